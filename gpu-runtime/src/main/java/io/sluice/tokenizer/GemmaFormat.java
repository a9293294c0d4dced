package io.sluice.tokenizer;

import java.util.List;

/**
 * Gemma ({@code <start_of_turn>user\n...<end_of_turn>\n}, the assistant's role called "model"). A system
 * message goes in front of the first user turn followed by a blank line, as Gemma 3's template does (Gemma 1
 * and 2's templates refuse system messages; Sluice folds them the same way).
 */
record GemmaFormat(boolean bosFirst) implements ChatFormat {

    @Override
    public String name() {
        return "Gemma";
    }

    @Override
    public void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out) {
        if (bosFirst) {
            out.template(out.bos);
        }
        ChatText.LeadingSystem split = ChatText.LeadingSystem.of(messages);
        String system = split.system();
        List<ChatMessage> loop = split.turns();
        for (int i = 0; i < loop.size(); i++) {
            ChatMessage m = loop.get(i);
            if (ChatText.USER.equals(m.role()) != (i % 2 == 0)) {
                throw ChatText.notAlternating("Conversation roles must alternate user/assistant/user/assistant/...");
            }
            String role = ChatText.ASSISTANT.equals(m.role()) ? "model" : m.role();
            out.template("<start_of_turn>" + role + "\n");
            if (i == 0 && system != null) {
                out.content(system).template("\n\n");
            }
            out.strippedContent(m.content()).template("<end_of_turn>\n");
        }
        if (addGenerationPrompt) {
            out.template("<start_of_turn>model\n");
        }
    }
}
