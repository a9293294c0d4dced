package io.sluice.tensor.cpu;

import io.sluice.kv.HostKvCacheStorage;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.StepPlan;
import java.util.Locale;
import java.util.Random;

/**
 * The attention of one decode step of the 110M test shape (12 layers, 12 heads of 64, blocks of 16) at one
 * position for {@code SEQUENCES} sequences, Java path against native, per KV type: the best mean over rounds of
 * all layers. Rounds take turns over {@value #COPIES} caches, so that each step reads its cache from memory (as
 * in a decode step, where the weights pass through the caches in between). Prints microseconds per step and the
 * KV read rate. Usage: AttentionBench [POSITION] [SEQUENCES] [SECONDS].
 */
public final class AttentionBench {
    private static final int COPIES = 12;

    public static void main(String[] args) {
        int position = args.length > 0 ? Integer.parseInt(args[0]) : 159;
        int seqs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 3;
        int layers = 12;
        int blockSize = 16;
        AttentionShape shape = new AttentionShape(12, 12, 64, 0.125f);
        int perSeq = position / blockSize + 1;
        Random random = new Random(1);
        for (KvType type : new KvType[] {KvType.F32, KvType.F16}) {
            HostKvCacheStorage[] kvs = new HostKvCacheStorage[COPIES];
            float[] k = new float[shape.kvDim()];
            for (int c = 0; c < COPIES; c++) {
            HostKvCacheStorage kv = KvCacheStorage.allocate(perSeq * seqs, blockSize, layers, shape.kvDim(), type);
            kvs[c] = kv;
            for (int layer = 0; layer < layers; layer++) {
                for (int slot = 0; slot < perSeq * seqs * blockSize; slot++) {
                    for (int i = 0; i < k.length; i++) {
                        k[i] = (float) random.nextGaussian();
                    }
                    kv.write(layer, slot, k, 0, k, 0);
                }
            }
            }
            StepPlan plan = new StepPlan();
            plan.reset(seqs, blockSize);
            for (int s = 0; s < seqs; s++) {
                int[] table = new int[perSeq];
                for (int i = 0; i < perSeq; i++) {
                    table[i] = s * perSeq + i;
                }
                plan.set(s, 0, position, table, true);
            }
            float[] q = new float[seqs * shape.qDim()];
            for (int i = 0; i < q.length; i++) {
                q[i] = (float) random.nextGaussian();
            }
            float[] out = new float[q.length];
            java.util.Set<Boolean> reported = new java.util.HashSet<>();
            double bytes = 2.0 * layers * seqs * (position + 1) * shape.kvDim() * type.entryBytes();
            // each path twice, the first pass unreported: the JIT compiles the Java path's vector code meanwhile
            for (boolean nativePath : new boolean[] {false, true, false, true}) {
                boolean warmUp = reported.add(nativePath);
                double best = Double.MAX_VALUE;
                long end = System.nanoTime() + (long) (seconds * 1e9);
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    for (int round = 0; round < COPIES; round++) {
                        for (int layer = 0; layer < layers; layer++) {
                            CpuAttention.run(kvs[round], layer, plan, q, shape, out, nativePath);
                        }
                    }
                    best = Math.min(best, (System.nanoTime() - t0) / 1e3 / COPIES);
                }
                if (warmUp) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "%s KV, %s, position %d, %d sequence(s): %.1f us per step, %.1f GB/s%n",
                        type, nativePath ? "native" : "java", position, seqs, best, bytes / best / 1e3);
            }
        }
    }
}
