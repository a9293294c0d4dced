package io.sluice.operators.inference;

import java.io.Serializable;
import java.util.Objects;

/**
 * How the inference operator runs: the served model's name (in completions), how many requests may be in
 * the engine at once per subtask (more input waits: backpressure), and how long one request may take before
 * it is cancelled and dead-lettered.
 */
public record InferenceSettings(String modelName, int maxInFlightRequests, long requestTimeoutMs)
        implements Serializable {
    public InferenceSettings {
        Objects.requireNonNull(modelName, "modelName");
        if (maxInFlightRequests < 1) {
            throw new IllegalArgumentException("max in-flight requests must be >= 1, got " + maxInFlightRequests);
        }
        if (requestTimeoutMs < 1) {
            throw new IllegalArgumentException("request timeout must be >= 1 ms, got " + requestTimeoutMs);
        }
    }
}
