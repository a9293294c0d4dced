package io.sluice.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * Log-probabilities under the model's unmodified distribution (temperature 1, no penalties or filters):
 * log-softmax with the sum of exponentials accumulated in double precision in token-id order, so the
 * numbers are the same wherever the row came from.
 */
public final class Logprobs {

    private Logprobs() {
    }

    /** log(sum(exp(logits))) of the row {@code logits[offset .. offset + n)}. */
    public static double logSumExp(float[] logits, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            return max;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp((double) logits[offset + i] - max);
        }
        return max + Math.log(sum);
    }

    /** The log-probability of {@code token} in the row. */
    public static float of(float[] logits, int offset, int n, int token) {
        return (float) (logits[offset + token] - logSumExp(logits, offset, n));
    }

    /** The {@code k} most likely tokens of the row with their log-probabilities, best first (ties: lowest id). */
    public static List<TokenLogprob> topK(float[] logits, int offset, int n, int k) {
        return topK(logits, offset, n, k, new long[Math.min(k, n)]);
    }

    /** As {@link #topK(float[], int, int, int)}, with a caller's buffer of at least min(k, n) longs. */
    public static List<TokenLogprob> topK(float[] logits, int offset, int n, int k, long[] buffer) {
        int kk = Math.min(k, n);
        if (kk <= 0) {
            return List.of();
        }
        double lse = logSumExp(logits, offset, n);
        int count = CandidateKeys.selectBest(logits, offset, n, kk, buffer);
        List<TokenLogprob> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int id = CandidateKeys.id(buffer[i]);
            out.add(new TokenLogprob(id, (float) (logits[offset + id] - lse)));
        }
        return List.copyOf(out);
    }
}
