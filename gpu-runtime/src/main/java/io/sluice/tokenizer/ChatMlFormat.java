package io.sluice.tokenizer;

import java.util.List;

/**
 * ChatML ({@code <|im_start|>role\n...<|im_end|>\n}): Qwen, SmolLM, OpenHermes. Templates that write a default
 * system turn when the conversation has none (Qwen2, Qwen2.5, SmolLM2) carry its text here.
 */
record ChatMlFormat(String defaultSystem, boolean bosFirst) implements ChatFormat {

    @Override
    public String name() {
        return "ChatML";
    }

    @Override
    public void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out) {
        if (bosFirst) {
            out.template(out.bos);
        }
        if (defaultSystem != null && !ChatText.SYSTEM.equals(messages.get(0).role())) {
            out.template("<|im_start|>system\n" + defaultSystem + "<|im_end|>\n");
        }
        for (ChatMessage m : messages) {
            out.template("<|im_start|>" + m.role() + "\n").content(m.content()).template("<|im_end|>\n");
        }
        if (addGenerationPrompt) {
            out.template("<|im_start|>assistant\n");
        }
    }
}
