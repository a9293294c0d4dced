package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import java.util.Locale;
import java.util.Random;

/**
 * A quick throughput benchmark of the weight products (not a unit test): matvec and matmul (n = 8, 32) for
 * Q8_0, Q4_0 and F32, on one thread and on all threads. Prints GB/s of weights read and GFLOP/s. Run with
 * {@code java --add-modules jdk.incubator.vector -cp <test classes + classes + slf4j> io.sluice.tensor.KernelBench
 * [seconds per case] [types...]}; the best of several timed runs is reported.
 */
public final class KernelBench {
    private KernelBench() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        GgmlType[] types = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F32};
        if (args.length > 1) {
            types = new GgmlType[args.length - 1];
            for (int t = 1; t < args.length; t++) {
                types[t - 1] = GgmlType.valueOf(args[t]);
            }
        }
        System.out.printf(Locale.ROOT, "backend %s, %d threads%n", Backends.active().name(), Parallel.threads());
        for (GgmlType type : types) {
            // Decode: a matrix larger than the caches, as a model's weights are in total.
            WeightTensor big = TestTensors.random(type, type == GgmlType.F32 ? 4096 : 8192, 4096, 1);
            run(big, 1, false, seconds);
            run(big, 1, true, seconds);
            WeightTensor mid = TestTensors.random(type, 2048, 2048, 2);
            for (int n : new int[] {8, 32}) {
                run(mid, n, false, seconds);
                run(mid, n, true, seconds);
            }
        }
    }

    private static void run(WeightTensor w, int n, boolean parallel, double seconds) {
        float[] x = TestTensors.randomFloats(n * w.cols(), new Random(3));
        float[] out = new float[n * w.rows()];
        Runnable product = parallel
                ? () -> Kernels.matmul(w, x, n, out)
                : () -> w.matmul(x, n, out, w.rows(), 0, 0, w.rows());
        long warmUntil = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < warmUntil) {
            product.run();
        }
        double best = Double.MAX_VALUE;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int reps = 0;
        while (System.nanoTime() < end || reps < 3) {
            long t0 = System.nanoTime();
            product.run();
            best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
            reps++;
        }
        double bytes = w.type().bytesFor((long) w.rows() * w.cols());
        double flops = 2.0 * w.rows() * w.cols() * n;
        System.out.printf(Locale.ROOT, "%-5s %5d x %-5d n=%-3d %-8s %8.3f ms  %6.2f GB/s  %6.2f GFLOP/s%n",
                w.type(), w.rows(), w.cols(), n, parallel ? "threads" : "1 thread", best * 1e3,
                bytes / best * 1e-9, flops / best * 1e-9);
    }
}
