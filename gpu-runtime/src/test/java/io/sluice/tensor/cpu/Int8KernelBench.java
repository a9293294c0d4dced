package io.sluice.tensor.cpu;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.TestTensors;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A throughput benchmark of the 8-bit activation products on one thread (not a unit test): every kernel path
 * this JVM has (scalar, Java Vector API, native), one activation row and 16, on a weight matrix of 4096-wide
 * rows larger than the caches. Prints GB/s of weights and GFLOP/s. Run with {@code java --add-modules
 * jdk.incubator.vector -cp <test classes + classes + slf4j> io.sluice.tensor.cpu.Int8KernelBench [seconds]
 * [types...]}; the best of several timed runs is reported.
 */
public final class Int8KernelBench {
    private Int8KernelBench() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        List<GgmlType> types = new ArrayList<>();
        for (int t = 1; t < args.length; t++) {
            types.add(GgmlType.valueOf(args[t]));
        }
        if (types.isEmpty()) {
            types.addAll(Int8Kernel.TYPES);
        }
        List<Int8Kernel> kernels = new ArrayList<>();
        kernels.add(ScalarInt8Kernel.INSTANCE);
        Int8Kernels.vector().ifPresent(kernels::add);
        if (Int8Kernels.active() instanceof NativeInt8Kernel) {
            kernels.add(Int8Kernels.active());
        }
        int cols = 4096;
        for (GgmlType type : types) {
            int rows = (int) ((64L << 20) / type.bytesFor(cols));
            ByteBuffer direct = ByteBuffer.allocateDirect((int) type.bytesFor((long) rows * cols));
            direct.put(TestTensors.randomData(type, rows, cols, new Random(1)));
            direct.flip();
            for (Int8Kernel kernel : kernels) {
                for (int n : new int[] {1, 16}) {
                    // The slow paths get a slice of the rows: their time per row is what matters.
                    int used = kernel instanceof NativeInt8Kernel ? rows : Math.max(64, rows / (kernel == ScalarInt8Kernel.INSTANCE ? 64 : 8) / n);
                    run(kernel, type, direct, rows, used, cols, n, seconds);
                }
            }
        }
    }

    private static void run(Int8Kernel kernel, GgmlType type, ByteBuffer w, int rows, int used, int cols, int n,
            double seconds) {
        Q8Activations x = new Q8Activations();
        x.quantize(TestTensors.randomFloats(n * cols, new Random(3)), n, cols);
        float[] out = new float[n * rows];
        int rowBytes = (int) type.bytesFor(cols);
        long warmUntil = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < warmUntil) {
            kernel.matmul(type, w, rowBytes, 0, used, x, out, rows, 0);
        }
        double best = Double.MAX_VALUE;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int reps = 0; System.nanoTime() < end || reps < 3; reps++) {
            long t0 = System.nanoTime();
            kernel.matmul(type, w, rowBytes, 0, used, x, out, rows, 0);
            best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
        }
        double bytes = (double) used * rowBytes;
        System.out.printf(Locale.ROOT, "%-5s %-20s n=%-3d %8.2f GB/s %8.1f GFLOP/s%n", type, kernel.name(), n,
                bytes / best / 1e9, 2.0 * used * cols * n / best / 1e9);
    }
}
