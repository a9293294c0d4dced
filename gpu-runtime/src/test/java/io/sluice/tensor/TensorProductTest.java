package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random tensors of every type: accuracy against a float64 reference, and the replay-safety promise —
 * every product path and batch shape gives the same bits, on both backends.
 */
class TensorProductTest {
    /** Shapes with more than one column chunk and a partial last tile of rows. */
    private static int cols(GgmlType type) {
        return type.blockSize() == 256 ? 768 : type.blockSize() == 32 ? 608 : 613;
    }

    private static final int ROWS = 23;

    private static void assertSameBits(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                what + ": expected " + expected + ", got " + actual);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void dotMatchesFloat64ReferenceAndFloatOrder(GgmlType type) {
        int cols = cols(type);
        Random random = new Random(type.ordinal());
        WeightTensor w = WeightTensor.of(type, TestTensors.randomData(type, ROWS, cols, random), ROWS, cols);
        float[] x = TestTensors.randomFloats(2 * cols, random);
        float[] row = new float[cols];
        for (int r = 0; r < ROWS; r++) {
            w.dequantizeRow(r, row, 0);
            double ref = 0;
            double magnitude = 0;
            for (int k = 0; k < cols; k++) {
                ref += (double) row[k] * x[cols / 2 + k];
                magnitude += Math.abs((double) row[k] * x[cols / 2 + k]);
            }
            float dot = w.dot(r, x, cols / 2);
            assertTrue(Math.abs(dot - ref) <= 1e-5 * magnitude + 1e-30,
                    type + " row " + r + ": " + dot + " vs " + ref + " (magnitude " + magnitude + ")");
            // By definition a weight product is the canonical float dot over the dequantized row.
            assertSameBits(Kernels.dot(row, 0, x, cols / 2, cols), dot, type + " row " + r + " vs Kernels.dot");
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void everyBatchShapeGivesTheSameBits(GgmlType type) {
        int cols = cols(type);
        Random random = new Random(100 + type.ordinal());
        ByteBuffer data = TestTensors.randomData(type, ROWS, cols, random);
        WeightTensor w = WeightTensor.of(type, data, ROWS, cols);
        WeightTensor scalar = WeightTensor.of(type, data, ROWS, cols, Backends.scalar());
        int maxN = 64;
        float[] x = TestTensors.randomFloats(maxN * cols, random);
        float[][] dots = new float[maxN][ROWS];
        for (int i = 0; i < maxN; i++) {
            for (int r = 0; r < ROWS; r++) {
                dots[i][r] = w.dot(r, x, i * cols);
                assertSameBits(dots[i][r], scalar.dot(r, x, i * cols), type + " scalar backend, row " + r);
            }
        }
        for (int n : new int[] {1, 2, 3, 5, 17, 64}) {
            // Activation row i of the big batch sits at position (i % n) of a batch starting at i - i % n.
            for (int start = 0; start + n <= maxN; start += Math.max(n, 13)) {
                float[] batch = new float[n * cols];
                System.arraycopy(x, start * cols, batch, 0, n * cols);
                int stride = ROWS + 3;
                float[] out = new float[n * stride + 2];
                // Uneven splits of the rows, including ones that cut tiles.
                int[] cuts = {0, 1, 6, 7, 15, ROWS};
                for (int c = 0; c + 1 < cuts.length; c++) {
                    w.matmul(batch, n, out, stride, 2, cuts[c], cuts[c + 1]);
                }
                float[] scalarOut = new float[n * stride + 2];
                scalar.matmul(batch, n, scalarOut, stride, 2, 0, ROWS);
                float[] parallel = new float[n * ROWS];
                Kernels.matmul(w, batch, n, parallel);
                for (int i = 0; i < n; i++) {
                    for (int r = 0; r < ROWS; r++) {
                        String what = type + " n=" + n + " position " + i + " row " + r;
                        float expected = dots[start + i][r];
                        assertSameBits(expected, out[i * stride + 2 + r], what + " (matmul)");
                        assertSameBits(expected, scalarOut[i * stride + 2 + r], what + " (scalar matmul)");
                        assertSameBits(expected, parallel[i * ROWS + r], what + " (Kernels.matmul)");
                    }
                }
                if (n == 1) {
                    float[] mv = new float[ROWS];
                    Kernels.matvec(w, batch, mv);
                    for (int r = 0; r < ROWS; r++) {
                        assertSameBits(dots[start][r], mv[r], type + " matvec row " + r);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void backendsDecodeTheSameBits(GgmlType type) {
        int cols = cols(type);
        int rows = 5;
        ByteBuffer data = TestTensors.randomData(type, rows, cols, new Random(7 + type.ordinal()));
        WeightTensor vector = WeightTensor.of(type, data, rows, cols);
        WeightTensor scalar = WeightTensor.of(type, data, rows, cols, Backends.scalar());
        float[] a = new float[cols + 3];
        float[] b = new float[cols + 3];
        for (int r = 0; r < rows; r++) {
            vector.dequantizeRow(r, a, 3);
            scalar.dequantizeRow(r, b, 3);
            for (int k = 0; k < cols; k++) {
                assertSameBits(b[3 + k], a[3 + k], type + " row " + r + " element " + k);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void f16DecodesEveryPatternLikeTheScalarConverter() {
        int cols = 65536;
        ByteBuffer data = TestTensors.buffer(2 * cols);
        for (int h = 0; h < cols; h++) {
            data.putShort(2 * h, (short) h);
        }
        float[] a = new float[cols];
        float[] b = new float[cols];
        WeightTensor.of(GgmlType.F16, data, 1, cols).dequantizeRow(0, a, 0);
        WeightTensor.of(GgmlType.F16, data, 1, cols, Backends.scalar()).dequantizeRow(0, b, 0);
        for (int h = 0; h < cols; h++) {
            assertSameBits(b[h], a[h], "pattern " + Integer.toHexString(h));
        }
    }

    @org.junit.jupiter.api.Test
    void floatOpsAgreeAcrossBackends() {
        Random random = new Random(3);
        float[] a = TestTensors.randomFloats(301, random);
        float[] b = TestTensors.randomFloats(301, random);
        for (int len : new int[] {0, 1, 7, 8, 9, 64, 299}) {
            float expected = Backends.scalar().floatKernel().dot(a, 1, b, 2, len);
            assertSameBits(expected, Kernels.dot(a, 1, b, 2, len), "dot of " + len);
            float[] y1 = b.clone();
            float[] y2 = b.clone();
            Kernels.axpy(0.37f, a, 2, y1, 1, len);
            Backends.scalar().floatKernel().axpy(0.37f, a, 2, y2, 1, len);
            for (int k = 0; k < y1.length; k++) {
                assertSameBits(y2[k], y1[k], "axpy of " + len + " at " + k);
            }
            if (len > 0) {
                assertEquals(Math.fma(0.37f, a[2], b[1]), y1[1]);
            }
        }
    }
}
