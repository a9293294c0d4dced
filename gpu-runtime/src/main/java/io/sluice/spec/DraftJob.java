package io.sluice.spec;

import io.sluice.sampling.Sampler;

/**
 * One sequence's part in a drafting round: its tokens, how many of them are final this step, and how many
 * tokens to propose after them. A job with {@code maxDrafts} 0 only lets a drafter keep up with a prompt
 * chunk the model runs in the same step. The drafter writes its proposal into {@link #drafts}.
 */
public final class DraftJob {

    final long key;
    final int[] tokens;
    final int known;
    final int maxDrafts;
    final Sampler sampler;
    final long firstIndex;
    final boolean exact;

    final int[] drafts;
    int count;
    /** The drafter's distribution per proposed token (rejection mode with a draft model), else null. */
    double[][] draftProbabilities;

    /**
     * @param key the sequence's identity (the drafter keeps per-sequence state under it)
     * @param tokens the sequence's tokens, valid in [0, known)
     * @param sampler the sequence's sampler (its parameters and history; a drafter samples with a copy)
     * @param firstIndex the completion index of the first token to propose (selects its random number)
     * @param exact proposals for exact verification: a drafter samples with the random numbers the model
     *     will use, which makes it agree with the model whenever their distributions are close
     */
    public DraftJob(long key, int[] tokens, int known, int maxDrafts, Sampler sampler, long firstIndex, boolean exact) {
        this.key = key;
        this.tokens = tokens;
        this.known = known;
        this.maxDrafts = maxDrafts;
        this.sampler = sampler;
        this.firstIndex = firstIndex;
        this.exact = exact;
        this.drafts = new int[maxDrafts];
    }

    public long key() {
        return key;
    }

    public int maxDrafts() {
        return maxDrafts;
    }

    /** Proposed tokens: {@code drafts()[0 .. count())}. */
    public int[] drafts() {
        return drafts;
    }

    public int count() {
        return count;
    }

    /** The drafter's probabilities of proposal {@code i} over the vocabulary, or null for a certain proposal. */
    public double[] draftProbabilities(int i) {
        return draftProbabilities == null ? null : draftProbabilities[i];
    }
}
