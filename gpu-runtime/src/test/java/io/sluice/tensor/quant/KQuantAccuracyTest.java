package io.sluice.tensor.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.WeightTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The K-quant quantizers against llama.cpp's on {@link SyntheticWeights}: per matrix and type, the RMS of
 * x - dequantize(quantize(x)), dequantized by the engine's own decoders, is at most 1% above what ggml's
 * reference quantizer reaches. The 32-element types must match ggml byte for byte.
 *
 * <p>How the llama.cpp numbers were measured (2026-12-02): the matrices were written as raw little-endian
 * floats; ggml's ggml-quants.c (ggml-org/ggml d99724f, the code llama.cpp's quantize tool runs for K-quants
 * without an importance matrix: quantize_row_q4_K_ref, _q5_K_ref, _q6_K_ref) was compiled with gcc -O2 into
 * a small C program that quantized each matrix as one run of rows, dequantized it with dequantize_row_q*_K
 * and printed sqrt(mean((x - y)²)) computed in double; the Q4_0/Q5_0/Q5_1 digests are SHA-256 of
 * quantize_row_q*_ref's output over all five matrices in order.
 */
class KQuantAccuracyTest {

    /** llama.cpp's RMS error per matrix: Q4_K, Q5_K, Q6_K. */
    private static final Map<String, double[]> LLAMA_CPP_RMS = Map.of(
            "uniform", new double[] {1.137811e-03, 5.756444e-04, 2.780313e-04},
            "gaussian", new double[] {1.432112e-03, 7.247499e-04, 3.578965e-04},
            "channels", new double[] {3.754575e-03, 1.892608e-03, 9.477445e-04},
            "outliers", new double[] {2.359585e-03, 1.195242e-03, 6.728171e-04},
            "shifted", new double[] {1.421721e-03, 7.205016e-04, 3.946873e-04});

    private static final List<GgmlType> K_TYPES = List.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    @Test
    void errorIsAtMostOnePercentAboveLlamaCpp() {
        StringBuilder table = new StringBuilder();
        for (SyntheticWeights.Matrix m : SyntheticWeights.all()) {
            for (int t = 0; t < K_TYPES.size(); t++) {
                GgmlType type = K_TYPES.get(t);
                double ours = rms(m.values(), roundTrip(type, m.values()));
                double theirs = LLAMA_CPP_RMS.get(m.name())[t];
                table.append(String.format("%-9s %s ours %.6e llama.cpp %.6e ratio %.4f%n", m.name(), type, ours,
                        theirs, ours / theirs));
                assertTrue(ours <= theirs * 1.01, m.name() + " " + type + ": " + ours + " vs " + theirs);
            }
        }
        System.out.print(table);
    }

    @Test
    void thirtyTwoElementTypesMatchGgmlByteForByte() throws Exception {
        Map<GgmlType, String> ggml = Map.of(
                GgmlType.Q4_0, "356bcbcbb05eebaff338efd1fa89141c5fba666929d40267192a4f7696ce7ab6",
                GgmlType.Q5_0, "a5574fe84416a40c3b9cd9951c8d23666b7aa1f41d812dd4387b8173fbbda7de",
                GgmlType.Q5_1, "40d9c40a3af95ffd3de244dc6506206c0154eaaa0fa7bdc6363bc9daa131c321");
        for (Map.Entry<GgmlType, String> e : ggml.entrySet()) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (SyntheticWeights.Matrix m : SyntheticWeights.all()) {
                sha.update(Quantizer.quantize(e.getKey(), m.values()));
            }
            assertEquals(e.getValue(), HexFormat.of().formatHex(sha.digest()), e.getKey().toString());
        }
    }

    /** dequantize(quantize(x)) through the engine's decoder of the type. */
    static float[] roundTrip(GgmlType type, float[] x) {
        int rows = SyntheticWeights.ROWS;
        int cols = x.length / rows;
        ByteBuffer data = ByteBuffer.wrap(Quantizer.quantize(type, x)).order(ByteOrder.LITTLE_ENDIAN);
        WeightTensor w = WeightTensor.of(type, data, rows, cols);
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++) {
            w.dequantizeRow(r, y, r * cols);
        }
        return y;
    }

    static double rms(float[] x, float[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - y[i];
            sum += d * d;
        }
        return Math.sqrt(sum / x.length);
    }
}
