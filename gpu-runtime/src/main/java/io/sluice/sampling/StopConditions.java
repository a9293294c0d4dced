package io.sluice.sampling;

import java.util.Collection;
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

    /**
     * A request's stop ids plus the model's {@code endOfGenerationIds} (negative ids: none) unless it ignores
     * them ({@code ignore_eos}), and its token limit.
     */
    public static StopConditions of(Collection<Integer> stopTokenIds, boolean ignoreEos, int maxTokens,
            int... endOfGenerationIds) {
        Set<Integer> ids = new HashSet<>(stopTokenIds);
        if (!ignoreEos) {
            for (int id : endOfGenerationIds) {
                if (id >= 0) {
                    ids.add(id);
                }
            }
        }
        return new StopConditions(ids, maxTokens);
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
