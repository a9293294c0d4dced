package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import java.util.Random;
import java.util.StringJoiner;

/**
 * Computes a fixed set of products and prints the active backend and the result bits; run in a JVM
 * without the Vector API module by {@link ScalarFallbackTest}.
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
        return bits.toString();
    }

    public static void main(String[] args) {
        System.out.println(Backends.active().name());
        System.out.println(results());
    }
}
