package io.sluice.tokenizer;

import java.util.List;

/** Zephyr ({@code <|user|>\n...</s>\n}): Hugging Face's Zephyr and TinyLlama-Chat. */
record ZephyrFormat() implements ChatFormat {

    @Override
    public String name() {
        return "Zephyr";
    }

    @Override
    public void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out) {
        for (ChatMessage m : messages) {
            out.template("<|" + m.role() + "|>\n").content(m.content()).template(out.eos + "\n");
        }
        if (addGenerationPrompt) {
            out.template("<|assistant|>\n");
        }
    }
}
