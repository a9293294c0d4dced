package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Q8Activations;
import io.sluice.tensor.cpu.ScalarInt8Kernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The GPU's integer products (src/main/cuda/int8_product.cuh) run on the host by g++, the tensor-core kernel with
 * its mma emulated from the PTX ISA's fragment layout and the few-token matrix-vector kernel lane by lane
 * (src/test/cuda/mmq_check.cpp): the quantized activations and every product of both must equal the CPU
 * backend's {@link ScalarInt8Kernel} bit for bit. Shapes cover rows with fewer
 * blocks than the eight lane warps, feature counts that are not a multiple of the 16-feature tile, and token
 * counts that leave partial 8-token tiles and span several kernel blocks. What this cannot check is the
 * hardware's own mma, which {@code sluice gpu-check} compares on a GPU.
 */
class Int8ProductLayoutTest {

    @TempDir
    static Path dir;
    static Path binary;

    @BeforeAll
    static void compile() throws Exception {
        binary = HostChecks.compile(dir, "mmq_check");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void givesTheCpuKernelsBits(GgmlType type) throws Exception {
        boolean kQuant = type.blockSize() == 256;
        check(type, kQuant ? 256 : 96, 21, 13);     // fewer blocks than lane warps; partial tiles
        check(type, 512, 37, 70);                   // several kernel blocks both ways
        check(type, kQuant ? 768 : 160, 16, 1);     // one token, as decode
        check(type, kQuant ? 512 : 64, 21, 5);      // a few tokens: the matrix-vector kernel too
    }

    private static void check(GgmlType type, int k, int n, int m) throws Exception {
        SplittableRandom random = new SplittableRandom(31L * type.id() + k + n + m);
        byte[] weights = TypeCheck.randomWeights(type, n * k, random);
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * (1 + (i / k) % 5));
        }
        if (k >= 64) {
            java.util.Arrays.fill(x, 32, 64, 0f);   // an all-zero block: scale 0, inverse 0
        }
        x[k - 1] = 0.5f * 127 / 3;                    // a tie of the rounding once scaled
        Path in = dir.resolve(type + "-" + k + "-" + m + ".w");
        Path act = dir.resolve(type + "-" + k + "-" + m + ".x");
        Path out = dir.resolve(type + "-" + k + "-" + m + ".out");
        Files.write(in, weights);
        ByteBuffer xb = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        xb.asFloatBuffer().put(x);
        Files.write(act, xb.array());
        HostChecks.run(List.of(binary.toString(), Integer.toString(type.id()), Integer.toString(k),
                Integer.toString(n), Integer.toString(m), in.toString(), act.toString(), out.toString()));

        Q8Activations q8 = new Q8Activations();
        q8.quantize(x, m, k);
        float[] expected = new float[m * n];
        ScalarInt8Kernel.INSTANCE.matmul(type, ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN),
                (int) type.bytesFor(k), 0, n, q8, expected, n, 0);

        ByteBuffer got = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        String shape = type + " k " + k + " n " + n + " m " + m;
        for (int i = 0; i < m * k; i++) {
            assertEquals(q8.quants()[i], got.get(i), shape + ": quant " + i);
        }
        int blocks = m * k / 32;
        for (int b = 0; b < blocks; b++) {
            assertEquals(Float.floatToRawIntBits(q8.scales()[b]), Float.floatToRawIntBits(got.getFloat(m * k + 4 * b)),
                    shape + ": scale of block " + b);
            assertEquals(q8.sums()[b], got.getInt(m * k + 4 * blocks + 4 * b), shape + ": sum of block " + b);
        }
        int at = m * k + 8 * blocks;
        assertProducts(expected, got, at, n, m, shape + " mmq");
        if (m <= 8) {
            assertProducts(expected, got, at + 4 * m * n, n, m, shape + " mvq");
        }
        assertEquals(at + 4 * m * n * (m <= 8 ? 2 : 1), got.capacity(), shape + ": output size");
    }

    private static void assertProducts(float[] expected, ByteBuffer got, int at, int n, int m, String shape) {
        for (int j = 0; j < m; j++) {
            for (int f = 0; f < n; f++) {
                float e = expected[j * n + f];
                float g = got.getFloat(at + 4 * (j * n + f));
                assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(g),
                        shape + ": token " + j + " feature " + f + ": expected " + e + ", got " + g);
            }
        }
    }
}
