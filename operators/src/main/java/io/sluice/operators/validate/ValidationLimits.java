package io.sluice.operators.validate;

import java.io.Serializable;
import java.util.Objects;
import java.util.Set;

/**
 * What the validation step accepts: the model names this job serves (a request without a model gets the
 * default) and the largest {@code max_tokens}. Model-dependent limits (context, vocabulary) are checked
 * against the engine itself, just before a request is submitted.
 */
public record ValidationLimits(Set<String> servedModels, int maxTokens) implements Serializable {
    public ValidationLimits {
        servedModels = Set.copyOf(Objects.requireNonNull(servedModels, "servedModels"));
        if (servedModels.isEmpty()) {
            throw new IllegalArgumentException("at least one served model name is needed");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("the max_tokens limit must be >= 1, got " + maxTokens);
        }
    }
}
