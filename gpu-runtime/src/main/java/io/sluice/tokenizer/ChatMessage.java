package io.sluice.tokenizer;

import java.util.Objects;

/** One turn of a conversation, rendered into a prompt by the model's chat template. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
