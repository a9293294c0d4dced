package io.sluice.operators.batch;

import java.io.Serializable;

/**
 * When the micro-batcher emits: at {@code maxRequests} requests, or {@code maxPromptTokens} prompt tokens, or
 * when the oldest request has waited {@code maxWaitMs} — whichever comes first. A batch never holds more
 * than {@code maxPromptTokens} unless a single request does.
 */
public record BatchLimits(int maxRequests, int maxPromptTokens, long maxWaitMs) implements Serializable {
    public BatchLimits {
        if (maxRequests < 1) {
            throw new IllegalArgumentException("micro-batch max requests must be >= 1, got " + maxRequests);
        }
        if (maxPromptTokens < 1) {
            throw new IllegalArgumentException("micro-batch max prompt tokens must be >= 1, got " + maxPromptTokens);
        }
        if (maxWaitMs < 0) {
            throw new IllegalArgumentException("micro-batch max wait must be >= 0 ms, got " + maxWaitMs);
        }
    }
}
