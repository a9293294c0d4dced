package io.sluice.sampling;

import io.sluice.engine.GenerationRequest;
import java.util.HashSet;
import java.util.Set;

/**
 * When a sequence's generation ends by token: on one of the request's stop token ids, on the model's
 * end-of-generation tokens (EOS, EOT) unless the request ignores them, or at its token limit. A stop token
 * ends generation and is not part of the output; the token that reaches the limit is.
 */
public final class StopConditions {

    private final Set<Integer> stopIds;
    private final int maxTokens;

    public StopConditions(Set<Integer> stopTokenIds, int maxTokens) {
        this.stopIds = Set.copyOf(stopTokenIds);
        this.maxTokens = maxTokens;
    }

    /** The request's stop ids plus {@code endOfGenerationIds} unless it sets ignore_eos; its max tokens. */
    public static StopConditions of(GenerationRequest request, int... endOfGenerationIds) {
        Set<Integer> ids = new HashSet<>(request.stopTokenIds());
        if (!request.ignoreEos()) {
            for (int id : endOfGenerationIds) {
                if (id >= 0) {
                    ids.add(id);
                }
            }
        }
        return new StopConditions(ids, request.maxTokens());
    }

    /** True if generating {@code token} ends the sequence (the token is dropped from the output). */
    public boolean isStopToken(int token) {
        return stopIds.contains(token);
    }

    /** True once {@code generated} tokens (kept in the output) reach the limit. */
    public boolean reachedLimit(int generated) {
        return generated >= maxTokens;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public Set<Integer> stopTokenIds() {
        return stopIds;
    }
}
