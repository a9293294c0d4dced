package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import io.sluice.tensor.cpu.ElementKernels;
import io.sluice.tensor.cpu.Int8Kernel;
import io.sluice.tensor.cpu.Q8Activations;
import java.util.Random;
import java.util.StringJoiner;

/**
 * Computes a fixed set of products, element-wise operations and attention steps and prints the active backend, the result bits and the kernel path of the
 * 8-bit activation products; run in JVMs without the Vector API module or without the native kernels by
 * {@link ScalarFallbackTest}.
 */
public final class FallbackProbe {
    private FallbackProbe() {
    }

    static String results() {
        StringJoiner bits = new StringJoiner(" ");
        GgmlType[] types = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q6_K, GgmlType.F16, GgmlType.F32};
        for (GgmlType type : types) {
            int cols = type.blockSize() == 256 ? 512 : 96;
            WeightTensor w = TestTensors.random(type, 9, cols, 42);
            int n = 3;
            float[] x = TestTensors.randomFloats(n * cols, new Random(5));
            float[] out = new float[n * 9];
            Kernels.matmul(w, x, n, out);
            for (float v : out) {
                bits.add(Integer.toHexString(Float.floatToRawIntBits(v)));
            }
        }
        // The 8-bit activation products of every type that has them, through the active Int8Kernel.
        for (GgmlType type : Int8Kernel.TYPES) {
            int cols = type.blockSize() == 256 ? 512 : 288;
            WeightTensor w = TestTensors.random(type, 9, cols, 43);
            int n = 3;
            Q8Activations q8 = new Q8Activations();
            q8.quantize(TestTensors.randomFloats(n * cols, new Random(6)), n, cols);
            float[] out = new float[n * 9];
            w.matmulInt8(q8, out, 9, 0, 0, 9);
            for (float v : out) {
                bits.add(Integer.toHexString(Float.floatToRawIntBits(v)));
            }
        }
        // The element-wise kernels: SwiGLU and an attention softmax, off the vector lanes.
        float[] g = TestTensors.randomFloats(203, new Random(7));
        float[] u = TestTensors.randomFloats(203, new Random(8));
        ElementKernels.active().swiGlu(g, u, 0, g.length);
        float[] scores = TestTensors.randomFloats(77, new Random(9));
        ElementKernels.active().softmax(scores, scores.length, 3.5f);
        // Attention over F32 and F16 caches (native kernels where this JVM has them).
        float[] f32 = io.sluice.tensor.cpu.AttentionProbe.run(io.sluice.kv.KvType.F32);
        float[] f16 = io.sluice.tensor.cpu.AttentionProbe.run(io.sluice.kv.KvType.F16);
        for (float[] a : new float[][] {g, scores, f32, f16}) {
            for (float v : a) {
                bits.add(Integer.toHexString(Float.floatToRawIntBits(v)));
            }
        }
        return bits.toString();
    }

    public static void main(String[] args) {
        System.out.println(Backends.active().name());
        System.out.println(results());
        System.out.println(io.sluice.tensor.cpu.Int8Kernels.active().name());
    }
}
