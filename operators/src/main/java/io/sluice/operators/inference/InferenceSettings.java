package io.sluice.operators.inference;

import java.io.Serializable;
import java.util.Objects;

/**
 * How the inference operator runs: the served model's name (in completions), how many requests may be in
 * the engine at once per subtask (more input waits: backpressure), how long one request may take before
 * it is cancelled and dead-lettered, how many tries the engine gets at one request before it is dead-lettered
 * with ENGINE_FAILURE ({@code limits.max-attempts}), and whether the job takes checkpoints (a streaming job:
 * an engine crash then restarts the task from one that counted the try; a bulk job retries in place).
 */
public record InferenceSettings(String modelName, int maxInFlightRequests, long requestTimeoutMs, int maxAttempts,
                                boolean checkpointed) implements Serializable {
    /** Tries per request unless configured. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    public InferenceSettings(String modelName, int maxInFlightRequests, long requestTimeoutMs) {
        this(modelName, maxInFlightRequests, requestTimeoutMs, DEFAULT_MAX_ATTEMPTS, true);
    }

    public InferenceSettings {
        Objects.requireNonNull(modelName, "modelName");
        if (maxInFlightRequests < 1) {
            throw new IllegalArgumentException("max in-flight requests must be >= 1, got " + maxInFlightRequests);
        }
        if (requestTimeoutMs < 1) {
            throw new IllegalArgumentException("request timeout must be >= 1 ms, got " + requestTimeoutMs);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be >= 1, got " + maxAttempts);
        }
    }
}
