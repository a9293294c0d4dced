package io.sluice.tokenizer;

import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Llama 3 ({@code <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>}). From 3.1 on the template always
 * opens with a system turn that states the knowledge cutoff and a date: fixed in 3.1, today's (the template's
 * {@code strftime_now}) in 3.2.
 */
record Llama3Format(boolean datedSystemTurn, boolean todaysDate, boolean generationPromptOptional,
        boolean bosFirst, Clock clock) implements ChatFormat {

    private static final DateTimeFormatter STRFTIME_D_B_Y = DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.US);

    @Override
    public String name() {
        return datedSystemTurn ? "Llama 3.1" : "Llama 3";
    }

    @Override
    public void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out) {
        List<ChatMessage> loop = messages;
        if (datedSystemTurn) {
            String system = "";
            if (ChatText.SYSTEM.equals(messages.get(0).role())) {
                system = messages.get(0).content();
                loop = messages.subList(1, messages.size());
            }
            String date = todaysDate ? LocalDate.now(clock).format(STRFTIME_D_B_Y) : "26 Jul 2024";
            out.template(out.bos + "<|start_header_id|>system<|end_header_id|>\n\n"
                    + "Cutting Knowledge Date: December 2023\nToday Date: " + date + "\n\n");
            out.strippedContent(system).template("<|eot_id|>");
        } else if (bosFirst) {
            out.template(out.bos);
        }
        for (ChatMessage m : loop) {
            out.template("<|start_header_id|>" + m.role() + "<|end_header_id|>\n\n");
            out.strippedContent(m.content()).template("<|eot_id|>");
        }
        if (addGenerationPrompt || !generationPromptOptional) {
            out.template("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
    }
}
