package io.sluice.cli;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import java.util.SplittableRandom;

/**
 * The model-level runs of {@code gpu-check}, on any backend: greedy decoding, the log-probabilities of a
 * given token sequence (teacher-forced, so two backends are compared on the same inputs), and a decode
 * benchmark at a number of concurrent sequences. Straight on {@link LlamaModel#forward}, without the scheduler,
 * so that the numbers are the backend's.
 */
final class GpuModelRuns {

    static final int BLOCK = 16;

    private GpuModelRuns() {
    }

    /** Greedy ids after {@code prompt}, prompt prefilled in one step. */
    static int[] greedy(LlamaModel model, int[] prompt, int count) {
        try (Session s = new Session(model, 1, prompt.length + count)) {
            float[] logits = s.prefill(new int[][] {prompt});
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                out[i] = argmax(logits, 0, model.config().vocabSize());
                if (i + 1 < count) {
                    logits = s.decode(new int[] {out[i]});
                }
            }
            return out;
        }
    }

    /**
     * log-softmax rows after each token of {@code prompt + ids[0..n-1]}, the i-th row being the distribution
     * that chose {@code ids[i]}: {@code [n][vocab]}.
     */
    static float[][] logprobs(LlamaModel model, int[] prompt, int[] ids) {
        int vocab = model.config().vocabSize();
        try (Session s = new Session(model, 1, prompt.length + ids.length)) {
            float[] logits = s.prefill(new int[][] {prompt});
            float[][] out = new float[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                out[i] = logSoftmax(logits, 0, vocab);
                if (i + 1 < ids.length) {
                    logits = s.decode(new int[] {ids[i]});
                }
            }
            return out;
        }
    }

    /**
     * Whether a sequence's logits are the same bits alone and as one of {@code others + 1} sequences decoded
     * together (all with different prompts), over {@code steps} greedy steps.
     */
    static boolean batchInvariant(LlamaModel model, int[] prompt, int others, int steps) {
        int vocab = model.config().vocabSize();
        SplittableRandom random = new SplittableRandom(7);
        int[][] prompts = new int[others + 1][];
        prompts[0] = prompt;
        for (int i = 1; i <= others; i++) {
            prompts[i] = randomTokens(random, vocab, 3 + i);
        }
        try (Session alone = new Session(model, 1, prompt.length + steps);
             Session batch = new Session(model, others + 1, prompt.length + others + 4 + steps)) {
            float[] a = alone.prefill(new int[][] {prompt});
            float[] b = batch.prefill(prompts);
            for (int step = 0; step < steps; step++) {
                for (int i = 0; i < vocab; i++) {
                    if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                        return false;
                    }
                }
                int next = argmax(a, 0, vocab);
                int[] nextBatch = new int[others + 1];
                for (int j = 0; j <= others; j++) {
                    nextBatch[j] = argmax(b, j * vocab, vocab);
                }
                a = alone.decode(new int[] {next});
                b = batch.decode(nextBatch);
            }
            return true;
        }
    }

    /** Throughput of one configuration. */
    record Bench(int concurrency, double prefillTokensPerSecond, double decodeTokensPerSecond) {
    }

    /** {@code concurrency} sequences with random prompts of {@code promptLength}, then {@code steps} decode steps. */
    static Bench bench(LlamaModel model, int concurrency, int promptLength, int steps) {
        int vocab = model.config().vocabSize();
        SplittableRandom random = new SplittableRandom(concurrency);
        int[][] prompts = new int[concurrency][];
        for (int i = 0; i < concurrency; i++) {
            prompts[i] = randomTokens(random, vocab, promptLength);
        }
        try (Session s = new Session(model, concurrency, promptLength + steps + 1)) {
            long t0 = System.nanoTime();
            float[] logits = s.prefill(prompts);
            long t1 = System.nanoTime();
            int[] next = new int[concurrency];
            // One untimed step first (kernel loading, buffer growth), then the timed ones.
            for (int j = 0; j < concurrency; j++) {
                next[j] = argmax(logits, j * vocab, vocab);
            }
            logits = s.decode(next);
            long t2 = System.nanoTime();
            for (int step = 1; step < steps; step++) {
                for (int j = 0; j < concurrency; j++) {
                    next[j] = argmax(logits, j * vocab, vocab);
                }
                logits = s.decode(next);
            }
            long t3 = System.nanoTime();
            return new Bench(concurrency, (double) concurrency * promptLength / ((t1 - t0) / 1e9),
                    (double) concurrency * (steps - 1) / ((t3 - t2) / 1e9));
        }
    }

    static int[] randomTokens(SplittableRandom random, int vocab, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 1 + random.nextInt(vocab - 1);
        }
        return out;
    }

    static int argmax(float[] v, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[from + i] > v[from + best]) {
                best = i;
            }
        }
        return best;
    }

    static float[] logSoftmax(float[] v, int from, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, v[from + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(v[from + i] - max);
        }
        double log = max + Math.log(sum);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (v[from + i] - log);
        }
        return out;
    }

    /** Sequences with their own KV blocks, advanced together one row each per decode step; closing frees the blocks. */
    private static final class Session implements AutoCloseable {
        final LlamaModel model;
        final KvCacheStorage kv;
        final int[][] tables;
        final int[] positions;
        final ForwardBatch batch = new ForwardBatch();

        Session(LlamaModel model, int sequences, int maxTokens) {
            this.model = model;
            int perSequence = (maxTokens + BLOCK - 1) / BLOCK;
            this.kv = model.newKvStorage(sequences * perSequence, BLOCK, KvType.F32);
            this.tables = new int[sequences][perSequence];
            for (int s = 0; s < sequences; s++) {
                for (int b = 0; b < perSequence; b++) {
                    tables[s][b] = s * perSequence + b;
                }
            }
            this.positions = new int[sequences];
        }

        float[] prefill(int[][] prompts) {
            batch.clear();
            for (int s = 0; s < prompts.length; s++) {
                for (int i = 0; i < prompts[s].length; i++) {
                    batch.add(prompts[s][i], positions[s]++, tables[s], i == prompts[s].length - 1);
                }
            }
            return model.forward(batch, kv);
        }

        float[] decode(int[] tokens) {
            batch.clear();
            for (int s = 0; s < tokens.length; s++) {
                batch.add(tokens[s], positions[s]++, tables[s], true);
            }
            return model.forward(batch, kv);
        }

        @Override
        public void close() {
            kv.close();
        }
    }
}
