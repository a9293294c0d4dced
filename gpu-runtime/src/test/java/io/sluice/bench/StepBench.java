package io.sluice.bench;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The fixed cost of one decode step, engine-free: one sequence decodes positions 0..P-1 over and over (the KV
 * slots are rewritten), and the best mean step time over windows of P steps is printed after a warm-up, with the
 * best mean CPU time of the calling thread per step (with one thread, -XX:ActiveProcessorCount=1, the step's
 * whole work, and far less disturbed than wall time by other processes on a busy machine).
 * Usage: StepBench MODEL [SECONDS] [P] [SEQUENCES]; {@code -Dsluice.bench.kv=f16} (or q8) for another KV type than F32.
 */
public final class StepBench {
    public static void main(String[] args) {
        Path path = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int window = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int seqs = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        try (LlamaModel model = LlamaModel.load(path)) {
            int blockSize = 16;
            int perSeq = (window + blockSize - 1) / blockSize;
            KvType kvType = KvType.parse(System.getProperty("sluice.bench.kv", "f32"));
            KvCacheStorage kv = model.newKvStorage(perSeq * seqs, blockSize, kvType);
            int[][] tables = new int[seqs][perSeq];
            for (int s = 0; s < seqs; s++) {
                for (int i = 0; i < perSeq; i++) {
                    tables[s][i] = s * perSeq + i;
                }
            }
            ForwardBatch batch = new ForwardBatch();
            double best = Double.MAX_VALUE;
            double bestCpu = Double.MAX_VALUE;
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                long c0 = mx.getCurrentThreadCpuTime();
                for (int p = 0; p < window; p++) {
                    batch.clear();
                    for (int s = 0; s < seqs; s++) {
                        batch.add((p * 7 + s) % model.config().vocabSize(), p, tables[s], true);
                    }
                    model.forward(batch, kv);
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e3 / window);
                bestCpu = Math.min(bestCpu, (mx.getCurrentThreadCpuTime() - c0) / 1e3 / window);
            }
            System.out.printf(Locale.ROOT, "%s: %s, KV %s, %d sequence(s), best mean step over %d positions: %.1f us"
                    + " (%.0f tok/s); calling thread's CPU per step %.1f us%n", path.getFileName(), model.backend().describe(),
                    kvType, seqs, window, best, seqs * 1e6 / best, bestCpu);
        }
    }
}
