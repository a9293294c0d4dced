package io.sluice.bench;

import io.sluice.engine.EngineConfig;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.LlamaEngine;
import io.sluice.model.LlamaModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The engine's time per decoded token at one sequence, steady state: the same request shape (random prompt of
 * P tokens, G greedy tokens, EOS ignored) runs over and over on one engine, and each run's decode rate (tokens
 * after the first over the time from the first to the last) is recorded; after the warm-up seconds the best and
 * median of the rest are printed. Compare with {@link StepBench} (the model step alone): the difference is the
 * engine's own cost per token (scheduling, sampling, text, listeners, hand-offs).
 * Usage: EngineStepBench MODEL [SECONDS] [PROMPT] [GEN] [WARMUP_SECONDS].
 */
public final class EngineStepBench {
    /** Bytes the engine's scheduler thread has allocated so far. */
    private static long engineThreadAllocated(com.sun.management.ThreadMXBean mx) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("sluice-engine-")) {
                return mx.getThreadAllocatedBytes(t.getId());
            }
        }
        throw new IllegalStateException("no engine thread");
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int promptLen = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int genLen = args.length > 3 ? Integer.parseInt(args[3]) : 220;
        double warmup = args.length > 4 ? Double.parseDouble(args[4]) : 3;
        try (LlamaModel model = LlamaModel.load(path)) {
            EngineConfig config = EngineConfig.builder(path).maxSequences(1).maxBatchTokens(512).kvBlockSize(16)
                    .kvCacheBytes(64L << 20).build();
            Random random = new Random(1);
            double[] rates = new double[100_000];
            double[] forwardMicros = new double[rates.length];
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                    java.lang.management.ManagementFactory.getThreadMXBean();
            long allocated = 0;
            long tokens = 0;
            int runs = 0;
            long measureFrom = System.nanoTime() + (long) (warmup * 1e9);
            long end = measureFrom + (long) (seconds * 1e9);
            try (LlamaEngine engine = new LlamaEngine(model, config, false)) {
                while (System.nanoTime() < end && runs < rates.length) {
                    int[] prompt = new int[promptLen];
                    for (int i = 0; i < promptLen; i++) {
                        prompt[i] = random.nextInt(model.config().vocabSize());
                    }
                    io.sluice.engine.EngineStats before = engine.stats();
                    long allocBefore = engineThreadAllocated(mx);
                    long[] times = new long[2];
                    int[] count = new int[1];
                    engine.submit(GenerationRequest.builder("r" + runs).promptIds(prompt)
                            .maxTokens(genLen).ignoreEos(true).build(), (id, text) -> {
                                long now = System.nanoTime();
                                if (count[0]++ == 0) {
                                    times[0] = now;
                                }
                                times[1] = now;
                            }).join();
                    if (Boolean.getBoolean("bench.trace") && count[0] > 1) {
                        System.out.printf(Locale.ROOT, "%.3f s: %.0f tok/s%n", (System.nanoTime() - measureFrom) / 1e9
                                + warmup, (count[0] - 1) / ((times[1] - times[0]) / 1e9));
                    }
                    if (System.nanoTime() > measureFrom && count[0] > 1) {
                        io.sluice.engine.EngineStats after = engine.stats();
                        forwardMicros[runs] = (after.busySeconds() - before.busySeconds()) * 1e6
                                / (after.steps() - before.steps());
                        rates[runs++] = (count[0] - 1) / ((times[1] - times[0]) / 1e9);
                        allocated += engineThreadAllocated(mx) - allocBefore;
                        tokens += count[0];
                    }
                }
            }
            double[] r = Arrays.copyOf(rates, runs);
            Arrays.sort(r);
            double[] f = Arrays.copyOf(forwardMicros, runs);
            Arrays.sort(f);
            System.out.printf(Locale.ROOT, "%s: %s, prompt %d, %d tokens, %d runs: decode tok/s best %.0f, median %.0f"
                    + " (%.1f us per token at the median); model forward per step best %.1f us, median %.1f us;"
                    + " the engine thread allocates %.0f bytes per token%n",
                    path.getFileName(), model.backend().describe(), promptLen, genLen, runs, r[runs - 1], r[runs / 2],
                    1e6 / r[runs / 2], f[0], f[runs / 2], (double) allocated / tokens);
        }
    }
}
