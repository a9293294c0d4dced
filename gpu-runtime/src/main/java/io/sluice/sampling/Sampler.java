package io.sluice.sampling;

import java.util.Map;

/**
 * Chooses the next token of one sequence from a row of logits. The order of the steps is llama.cpp's:
 * penalties, top-k, top-p, min-p, temperature, then a draw from the remaining distribution. Temperature 0
 * is greedy (argmax after penalties, ties to the lowest id). Every ordering breaks ties by the lowest id
 * and sums run in a fixed order, so the result depends only on the logits, the sequence's own history and
 * its own random numbers: never on the batch. The random number of the n-th generated token is the n-th
 * number of the request's SplitMix64 stream ({@link SeededRandom#at}), a function of (seed, n) alone, so a
 * sample does not depend on how many steps produced it (speculative decoding commits several per step).
 *
 * <p>Not thread-safe: one sampler per sequence, used by one thread at a time.
 */
public final class Sampler {

    private final SamplingParams params;
    private final int vocabSize;
    private final int[] suppressed;
    private final PenaltyWindow window;
    private final boolean penalize;
    /** Index of the next number for {@link #sample}, which numbers its own calls. */
    private long draws;

    /**
     * @param contextLength capacity of the penalty window when {@code penaltyLastN} is -1 (whole context)
     * @param suppressedTokens ids that are never chosen (their logits become -infinity), e.g. EOS when the
     *     request ignores it, as llama.cpp does
     */
    public Sampler(SamplingParams params, int vocabSize, int contextLength, int... suppressedTokens) {
        this.params = params;
        this.vocabSize = vocabSize;
        this.suppressed = suppressedTokens == null ? new int[0] : suppressedTokens.clone();
        int lastN = params.penaltyLastN() == -1 ? contextLength : params.penaltyLastN();
        this.penalize = lastN != 0 && (params.repeatPenalty() != 1.0f || params.presencePenalty() != 0f
                || params.frequencyPenalty() != 0f);
        this.window = new PenaltyWindow(penalize ? lastN : 0);
    }

    private Sampler(Sampler other) {
        this.params = other.params;
        this.vocabSize = other.vocabSize;
        this.suppressed = other.suppressed;
        this.penalize = other.penalize;
        this.window = other.window.copy();
        this.draws = other.draws;
    }

    /** An independent sampler with the same parameters and history (a drafter samples ahead with it). */
    public Sampler copy() {
        return new Sampler(this);
    }

    public int vocabSize() {
        return vocabSize;
    }

    public SamplingParams params() {
        return params;
    }

    /** Adds a token to the sequence's history (prompt tokens first, then each generated token). */
    public void accept(int token) {
        window.accept(token);
    }

    public void acceptAll(int[] tokens) {
        for (int t : tokens) {
            window.accept(t);
        }
    }

    /**
     * Samples from {@code logits[offset .. offset + vocabSize)} with the next number of the stream (numbered
     * by the calls to this method). Does not accept the token; call {@link #accept}.
     */
    public int sample(float[] logits, int offset, SamplingScratch scratch) {
        return sampleAt(logits, offset, scratch, draws++);
    }

    /**
     * Samples the token whose random number is the {@code index}-th of the request's stream (the engine
     * passes the token's index in the completion). Does not accept the token; call {@link #accept}.
     */
    public int sampleAt(float[] logits, int offset, SamplingScratch scratch, long index) {
        return sampleAt(logits, offset, scratch, params.seed(), index);
    }

    /** As {@link #sampleAt(float[], int, SamplingScratch, long)}, from the stream of another seed. */
    public int sampleAt(float[] logits, int offset, SamplingScratch scratch, long seed, long index) {
        if (params.isGreedy() && !penalize) {
            int best = greedy(logits, offset);
            if (best >= 0) {
                return best;
            }
        }
        int n = prepare(logits, offset, scratch);
        if (n < 0) {
            return -n - 1;
        }
        double[] w = scratch.weights;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += w[i];
        }
        double u = SeededRandom.doubleAt(seed, index) * sum;
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += w[i];
            if (u < cum) {
                return CandidateKeys.id(scratch.keys[i]);
            }
        }
        return CandidateKeys.id(scratch.keys[n - 1]); // u landed on the rounding error at the very end
    }

    /**
     * The distribution {@link #sample} draws from, indexed by token id (for tests and diagnostics); a
     * greedy choice is a distribution with all mass on one token. Draws no random number.
     */
    public double[] distribution(float[] logits, int offset, SamplingScratch scratch) {
        double[] probs = new double[vocabSize];
        int n = prepare(logits, offset, scratch);
        if (n < 0) {
            probs[-n - 1] = 1.0;
            return probs;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += scratch.weights[i];
        }
        for (int i = 0; i < n; i++) {
            probs[CandidateKeys.id(scratch.keys[i])] = scratch.weights[i] / sum;
        }
        return probs;
    }

    /**
     * Runs every step before the draw. Returns -(id + 1) when the choice is already made (greedy), else
     * the number of candidates left in {@code scratch.keys[0..n)} (best first) with their unnormalized
     * weights at the request's temperature in {@code scratch.weights[0..n)}.
     */
    private int prepare(float[] logits, int offset, SamplingScratch scratch) {
        scratch.ensure(vocabSize);
        float[] row = scratch.logits;
        System.arraycopy(logits, offset, row, 0, vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            if (Float.isNaN(row[i])) {
                row[i] = Float.NEGATIVE_INFINITY; // a broken logit never wins
            }
        }
        for (int id : suppressed) {
            if (id >= 0 && id < vocabSize) {
                row[id] = Float.NEGATIVE_INFINITY;
            }
        }
        if (penalize) {
            applyPenalties(row);
        }
        if (params.isGreedy()) {
            return -argmax(row, vocabSize) - 1;
        }
        long[] keys = scratch.keys;
        int n = params.topK() > 0 && params.topK() < vocabSize
                ? CandidateKeys.selectBest(row, 0, vocabSize, params.topK(), keys)
                : CandidateKeys.sortAll(row, 0, vocabSize, keys);
        if (n == 0) {
            return -argmax(row, vocabSize) - 1; // every logit was -inf: nothing to draw from
        }
        n = topP(row, keys, n, scratch.weights);
        n = minP(row, keys, n);
        // In double: 1 / T of a tiny float temperature (1e-40) overflows a float, and a difference of logits
        // divided by it must tend to -infinity (weight 0), never to NaN, so that tiny T behaves as its limit.
        double temp = params.temperature();
        double max = row[CandidateKeys.id(keys[0])];
        for (int i = 0; i < n; i++) {
            scratch.weights[i] = Math.exp((row[CandidateKeys.id(keys[i])] - max) / temp);
        }
        return n;
    }

    private void applyPenalties(float[] row) {
        float repeat = params.repeatPenalty();
        float freq = params.frequencyPenalty();
        float presence = params.presencePenalty();
        for (Map.Entry<Integer, int[]> e : window.counts().entrySet()) {
            int id = e.getKey();
            if (id < 0 || id >= vocabSize) {
                continue;
            }
            int count = e.getValue()[0];
            float l = row[id];
            l = l <= 0 ? l * repeat : l / repeat;
            row[id] = l - (count * freq + (count > 0 ? presence : 0f));
        }
    }

    /**
     * Greedy without penalties, straight from the logits: the first maximum (NaN never wins, as in
     * {@link #prepare}), which is also {@link #prepare}'s choice unless it is a suppressed id, since suppressing
     * others only lowers them. Returns -1 in that case, for the full path to decide.
     */
    private int greedy(float[] logits, int offset) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabSize; i++) {
            float v = logits[offset + i];
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        for (int id : suppressed) {
            if (id == best) {
                return -1;
            }
        }
        return best;
    }

    static int argmax(float[] row, int n) {
        int best = 0;
        float bestValue = row[0];
        for (int i = 1; i < n; i++) {
            if (row[i] > bestValue) {
                bestValue = row[i];
                best = i;
            }
        }
        return best;
    }

    /** Keeps the smallest prefix whose probability (at temperature 1) reaches top-p; at least one token. */
    private int topP(float[] row, long[] keys, int n, double[] w) {
        float p = params.topP();
        if (p >= 1f) {
            return n;
        }
        double max = row[CandidateKeys.id(keys[0])];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp(row[CandidateKeys.id(keys[i])] - max);
            sum += w[i];
        }
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += w[i] / sum;
            if (cum >= p) {
                return i + 1;
            }
        }
        return n;
    }

    /** Keeps tokens whose probability is at least min-p times the best one's (compared as logits). */
    private int minP(float[] row, long[] keys, int n) {
        float p = params.minP();
        if (p <= 0f) {
            return n;
        }
        float minLogit = row[CandidateKeys.id(keys[0])] + (float) Math.log(p);
        int i = 1;
        while (i < n && row[CandidateKeys.id(keys[i])] >= minLogit) {
            i++;
        }
        return i;
    }
}
