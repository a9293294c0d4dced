package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.WeightTensor;
import io.sluice.tensor.quant.Fp16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU's F16 tensor-core product (src/main/cuda/half_product.cuh) run on the host by g++, with the mma emulated
 * from the PTX ISA's fragment layout (src/test/cuda/mmf_check.cpp): the activation split must be Java's half
 * rounding of the scaled row to the bit, and the products within float accuracy of a float64 product. The
 * tensor core's own additions are not reproduced on the host, so products are held to a tolerance, not to bits;
 * a wrong fragment layout or permutation would miss it by orders of magnitude.
 */
class HalfProductLayoutTest {

    /** |GPU - float64| over sum |w x|: 22 bits of each activation, float additions. */
    static final double TOLERANCE = 1e-6;

    @TempDir
    static Path dir;
    static Path binary;

    @BeforeAll
    static void compile() throws Exception {
        binary = HostChecks.compile(dir, "mmf_check");
    }

    @Test
    void oneTokenAsDecode() throws Exception {
        check(2048, 16, 1);
    }

    @Test
    void partialTilesAndFewerChunksThanWarps() throws Exception {
        check(160, 21, 13);
    }

    @Test
    void severalBlocksBothWays() throws Exception {
        check(512, 37, 70);
    }

    private static void check(int k, int n, int m) throws Exception {
        SplittableRandom random = new SplittableRandom(k * 31L + n * 7L + m);
        byte[] weights = TypeCheck.randomWeights(GgmlType.F16, n * k, random);
        float[] x = new float[m * k];
        for (int r = 0; r < m; r++) {
            // Rows of very different magnitudes (the split scales each on its own), one all zero.
            double magnitude = r == 1 ? 0 : Math.pow(10, r % 7 - 3);
            for (int i = 0; i < k; i++) {
                x[r * k + i] = (float) (random.nextGaussian() * magnitude);
            }
        }
        String name = k + "-" + n + "-" + m;
        Path w = dir.resolve(name + ".w");
        Path act = dir.resolve(name + ".x");
        Path out = dir.resolve(name + ".out");
        Files.write(w, weights);
        ByteBuffer xb = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        xb.asFloatBuffer().put(x);
        Files.write(act, xb.array());
        HostChecks.run(List.of(binary.toString(), Integer.toString(k), Integer.toString(n),
                Integer.toString(m), w.toString(), act.toString(), out.toString()));
        ByteBuffer got = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);

        int loAt = 2 * m * k;
        int shiftAt = 4 * m * k;
        int productAt = shiftAt + 4 * m;
        for (int r = 0; r < m; r++) {
            float amax = 0;
            for (int i = 0; i < k; i++) {
                amax = Math.max(amax, Math.abs(x[r * k + i]));
            }
            int shift = amax == 0 ? 0 : 15 - (Math.getExponent(amax) + 1);
            assertEquals(shift, got.getInt(shiftAt + 4 * r), "shift of row " + r);
            for (int i = 0; i < k; i++) {
                float scaled = Math.scalb(x[r * k + i], shift);
                short hi = Fp16.fromFloat(scaled);
                short lo = Fp16.fromFloat(scaled - Fp16.toFloat(hi));
                int at = r * k + i;
                assertEquals(hi, got.getShort(2 * at), "hi of row " + r + " value " + i);
                assertEquals(lo, got.getShort(loAt + 2 * at), "lo of row " + r + " value " + i);
            }
        }

        WeightTensor tensor = WeightTensor.of(GgmlType.F16, ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN),
                n, k);
        float[] row = new float[k];
        double worst = 0;
        for (int f = 0; f < n; f++) {
            tensor.dequantizeRow(f, row, 0);
            for (int j = 0; j < m; j++) {
                double[] reference = TypeCheck.exactProduct(row, x, j * k, k);
                double exact = reference[0];
                double scale = reference[1];
                float y = got.getFloat(productAt + 4 * (j * n + f));
                if (scale == 0) {
                    assertEquals(0f, y, "token " + j + " feature " + f + " of an all-zero row");
                } else {
                    worst = Math.max(worst, Math.abs(y - exact) / scale);
                }
            }
        }
        assertTrue(worst <= TOLERANCE, "largest error " + worst + " over sum |w x| (tolerance " + TOLERANCE + ")");
    }
}
