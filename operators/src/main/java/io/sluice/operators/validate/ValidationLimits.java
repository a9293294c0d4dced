package io.sluice.operators.validate;

import java.io.Serializable;
import java.util.Objects;
import java.util.Set;

/**
 * What the validation step accepts: the model names this job serves (a request without a model gets the
 * default), the largest {@code max_tokens}, and the largest record in bytes (larger ones are not decoded:
 * their completion could not be written under the producer's {@code max.request.size}). Model-dependent
 * limits (context, vocabulary) are checked against the engine itself, just before a request is submitted.
 */
public record ValidationLimits(Set<String> servedModels, int maxTokens, int maxRequestBytes) implements Serializable {
    /** Kafka's default {@code max.request.size} is 1 MiB: a quarter of it for the request. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 256 * 1024;

    public ValidationLimits {
        servedModels = Set.copyOf(Objects.requireNonNull(servedModels, "servedModels"));
        if (servedModels.isEmpty()) {
            throw new IllegalArgumentException("at least one served model name is needed");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("the max_tokens limit must be >= 1, got " + maxTokens);
        }
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException("the request size limit must be >= 1 byte, got " + maxRequestBytes);
        }
    }

    public ValidationLimits(Set<String> servedModels, int maxTokens) {
        this(servedModels, maxTokens, DEFAULT_MAX_REQUEST_BYTES);
    }
}
