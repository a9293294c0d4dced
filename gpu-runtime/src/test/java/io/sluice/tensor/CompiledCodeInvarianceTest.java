package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The first products run interpreted or C1-compiled, later ones C2-compiled with vector intrinsics: results
 * must not change when the JIT replaces the code (a replayed request may run on a cold JVM).
 */
class CompiledCodeInvarianceTest {
    @Test
    void resultsStayBitIdenticalWhileTheKernelsGetCompiled() {
        GgmlType[] types = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F32, GgmlType.Q4_K, GgmlType.Q6_K};
        WeightTensor[] tensors = new WeightTensor[types.length];
        int[][] expected1 = new int[types.length][];
        int[][] expected5 = new int[types.length][];
        Random random = new Random(11);
        float[] x = TestTensors.randomFloats(5 * 512, random);
        for (int t = 0; t < types.length; t++) {
            ByteBuffer data = TestTensors.randomData(types[t], 37, 512, random);
            tensors[t] = WeightTensor.of(types[t], data, 37, 512);
            // Reference from the scalar backend, which shares no code path with the vector kernels.
            WeightTensor scalar = WeightTensor.of(types[t], data, 37, 512, Backends.scalar());
            expected1[t] = bits(product(scalar, x, 1));
            expected5[t] = bits(product(scalar, x, 5));
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        for (int iteration = 0; iteration < 1500 && System.nanoTime() < deadline; iteration++) {
            for (int t = 0; t < types.length; t++) {
                assertArrayEquals(expected1[t], bits(product(tensors[t], x, 1)), types[t] + " n=1, iteration " + iteration);
                assertArrayEquals(expected5[t], bits(product(tensors[t], x, 5)), types[t] + " n=5, iteration " + iteration);
            }
        }
    }

    private static float[] product(WeightTensor w, float[] x, int n) {
        float[] out = new float[n * w.rows()];
        w.matmul(x, n, out, w.rows(), 0, 0, w.rows());
        return out;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int k = 0; k < v.length; k++) {
            b[k] = Float.floatToRawIntBits(v[k]);
        }
        return b;
    }
}
