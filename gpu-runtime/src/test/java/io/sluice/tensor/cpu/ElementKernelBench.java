package io.sluice.tensor.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A throughput benchmark of the element-wise kernels on one thread (not a unit test): SwiGLU over a prefill's
 * gate (128 rows of 2048), attention softmaxes of 128 and 1024 scores, the quantization of 128 rows of 768,
 * on every {@link ElementKernel} this JVM has, beside the former {@code Math.exp} SwiGLU loop. Prints ns per
 * element, the best of several timed runs. Run with {@code java --add-modules jdk.incubator.vector -cp <test
 * classes + classes + slf4j> io.sluice.tensor.cpu.ElementKernelBench [seconds]}.
 */
public final class ElementKernelBench {
    private static volatile float sink;

    private ElementKernelBench() {
    }

    private interface Op {
        void run();
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        List<ElementKernel> kernels = new ArrayList<>();
        kernels.add(ElementKernels.scalar());
        ElementKernels.vector().ifPresent(kernels::add);
        Random r = new Random(1);
        float[] gate = new float[128 * 2048];
        float[] up = new float[gate.length];
        for (int i = 0; i < gate.length; i++) {
            gate[i] = (float) r.nextGaussian() * 3f;
            up[i] = (float) r.nextGaussian();
        }
        float[] g = gate.clone();
        time("Math.exp swiGlu", gate.length, seconds, () -> {
            System.arraycopy(gate, 0, g, 0, g.length);
            for (int i = 0; i < g.length; i++) {
                float v = g[i];
                g[i] = v / (1f + (float) Math.exp(-v)) * up[i];
            }
        });
        for (ElementKernel k : kernels) {
            warmUp(k, seconds);
            time(k.name() + " swiGlu", gate.length, seconds, () -> {
                System.arraycopy(gate, 0, g, 0, g.length);
                k.swiGlu(g, up, 0, g.length);
            });
            for (int len : new int[] {128, 1024}) {
                float[] scores = new float[len];
                float[] s = new float[len];
                for (int i = 0; i < len; i++) {
                    scores[i] = (float) r.nextGaussian() * 8f;
                }
                time(k.name() + " softmax " + len, len, seconds, () -> {
                    System.arraycopy(scores, 0, s, 0, len);
                    k.softmax(s, len, 0.125f);
                });
            }
            float[] x = new float[128 * 768];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            byte[] q = new byte[x.length];
            float[] d = new float[x.length / Q8Activations.BLOCK];
            int[] sums = new int[d.length];
            time(k.name() + " quantize", x.length, seconds, () -> k.quantize(x, 0, d.length, q, d, sums));
        }
    }

    /**
     * Many short calls first, for twice the time of a measurement: interpreted vector code is so slow that long calls
     * would not reach the JIT in time.
     */
    private static void warmUp(ElementKernel k, double seconds) {
        Random r = new Random(2);
        float[] a = new float[256];
        float[] b = new float[256];
        byte[] q = new byte[256];
        float[] d = new float[8];
        int[] sums = new int[8];
        long until = System.nanoTime() + (long) (seconds * 2e9);
        for (int i = 0; i < 20_000 || System.nanoTime() < until; i++) {
            for (int j = 0; j < a.length; j++) {
                a[j] = (float) r.nextGaussian();
            }
            k.swiGlu(a, b, 0, 67 + i % 64);
            k.softmax(a, 67 + i % 64, 0.125f);
            k.quantize(b, 0, 8, q, d, sums);
        }
    }

    private static void time(String name, int elements, double seconds, Op op) {
        long until = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < until) {
            op.run();
        }
        double best = Double.MAX_VALUE;
        until = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < until) {
            long t0 = System.nanoTime();
            op.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.println(String.format(Locale.ROOT, "%-22s %7.3f ns/element", name, best / elements));
    }
}
