package io.sluice.spec;

import java.util.List;

/**
 * Drafts by prompt lookup: finds the latest earlier occurrence of the sequence's last n tokens (n from
 * {@link #MAX_NGRAM} down to 1, longest first) in its prompt and generated text and proposes what followed
 * it. Free to draft and strong where outputs quote their input: summaries, edits, extraction, code.
 */
public final class PromptLookupDrafter implements Drafter {

    static final int MAX_NGRAM = 3;
    private long lastNanos;

    @Override
    public void propose(List<DraftJob> jobs) {
        long t0 = System.nanoTime();
        for (DraftJob job : jobs) {
            if (job.maxDrafts > 0) {
                job.count = lookup(job.tokens, job.known, job.maxDrafts, job.drafts);
            }
        }
        lastNanos = System.nanoTime() - t0;
    }

    /** Writes up to {@code max} proposed tokens into {@code out}; returns how many. */
    static int lookup(int[] tokens, int length, int max, int[] out) {
        for (int n = Math.min(MAX_NGRAM, length - 1); n >= 1; n--) {
            int suffix = length - n;
            // latest match first: recent text predicts the next tokens best
            for (int start = suffix - 1; start >= 0; start--) {
                if (matches(tokens, start, suffix, n)) {
                    int from = start + n;
                    int count = Math.min(max, length - from);
                    System.arraycopy(tokens, from, out, 0, count);
                    return count;
                }
            }
        }
        return 0;
    }

    private static boolean matches(int[] tokens, int a, int b, int n) {
        for (int i = 0; i < n; i++) {
            if (tokens[a + i] != tokens[b + i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void rollback(long key, int validTokens) {
        // stateless
    }

    @Override
    public void release(long key) {
        // stateless
    }

    @Override
    public long lastProposeNanos() {
        return lastNanos;
    }

    @Override
    public String name() {
        return "prompt lookup";
    }

    @Override
    public void close() {
    }
}
