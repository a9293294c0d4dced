package io.sluice.operators.validate;

import java.util.Objects;

/** Why a request is refused: a dead-letter code and one line naming the problem. */
public record Rejection(DeadLetterReason reason, String message) {
    public Rejection {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }
}
