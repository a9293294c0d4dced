package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.TestTensors;
import io.sluice.tensor.WeightTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance suite of the 8-bit activation products: every kernel path (scalar Java, Java Vector API,
 * native AVX2, native AVX-512 VNNI on 256- and, for single rows, 512-bit registers, and AMX tiles where the CPU
 * has them) gives the same bits for every type, for rows alone and in batches, and all are close to the float
 * product of the dequantized weights (so that no path agrees with the others on a wrong formula). Batch sizes
 * fill AMX tiles (16 activation rows) wholly and partly, and the row ranges leave groups of 16 weight rows whole
 * and partial.
 */
class Int8KernelConformanceTest {
    private static final int ROWS = 37;
    /** The first range ends off a multiple of 16; the second has a whole group of 16 rows and a partial one. */
    private static final int SPLIT = 6;

    static Stream<Arguments> typesAndBatches() {
        return Stream.of("Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K")
                .flatMap(t -> IntStream.of(2, 5, 16, 17, 33).mapToObj(n -> Arguments.of(GgmlType.valueOf(t), n)));
    }

    @ParameterizedTest
    @MethodSource("typesAndBatches")
    void everyKernelPathGivesTheScalarBitsAloneAndBatched(GgmlType type, int n) {
        // Block counts that are not multiples of eight (or four) exercise the lane tails.
        int cols = type.blockSize() == 256 ? 768 : 13 * 32;
        Random random = new Random(31L * type.ordinal() + n);
        ByteBuffer data = TestTensors.randomData(type, ROWS, cols, random);
        float[] x = TestTensors.randomFloats(n * cols, random);
        x[3] = 0f;
        java.util.Arrays.fill(x, cols, cols + 32, 0f); // an all-zero block (scale 0)
        Q8Activations q8 = new Q8Activations();
        q8.quantize(x, n, cols);
        int rowBytes = (int) type.bytesFor(cols);

        float[] expected = new float[n * ROWS];
        ScalarInt8Kernel.INSTANCE.matmul(type, data, rowBytes, 0, ROWS, q8, expected, ROWS, 0);
        for (Int8Kernel kernel : kernels()) {
            float[] got = new float[n * ROWS];
            // Split into two row ranges, as threads do.
            kernel.matmul(type, data, rowBytes, 0, SPLIT, q8, got, ROWS, 0);
            kernel.matmul(type, data, rowBytes, SPLIT, ROWS, q8, got, ROWS, 0);
            assertSameBits(expected, got, kernel.name() + " " + type);
        }
        // Each activation row alone gives the bits it has in the batch.
        for (int i = 0; i < n; i++) {
            Q8Activations one = new Q8Activations();
            one.quantize(java.util.Arrays.copyOfRange(x, i * cols, (i + 1) * cols), 1, cols);
            for (Int8Kernel kernel : kernels()) {
                float[] alone = new float[ROWS];
                kernel.matmul(type, data, rowBytes, 0, ROWS, one, alone, ROWS, 0);
                assertSameBits(java.util.Arrays.copyOfRange(expected, i * ROWS, (i + 1) * ROWS), alone,
                        kernel.name() + " " + type + " row " + i + " alone");
            }
        }
        // Close to the float product of the dequantized weights (8-bit activations round by ~0.4%).
        WeightTensor w = WeightTensor.of(type, data, ROWS, cols);
        float[] row = new float[cols];
        for (int r = 0; r < ROWS; r++) {
            w.dequantizeRow(r, row, 0);
            for (int i = 0; i < n; i++) {
                double exact = 0;
                double magnitude = 0;
                for (int k = 0; k < cols; k++) {
                    exact += (double) row[k] * x[i * cols + k];
                    magnitude += Math.abs((double) row[k] * x[i * cols + k]);
                }
                double err = Math.abs(expected[i * ROWS + r] - exact);
                assertTrue(err <= 0.01 * magnitude, type + " row " + r + ": " + expected[i * ROWS + r] + " vs " + exact);
            }
        }
    }

    /** Every path this machine can run besides the scalar one; on linux-x86_64 with AVX2, the native ones. */
    private static List<Int8Kernel> kernels() {
        List<Int8Kernel> list = new ArrayList<>();
        list.add(ScalarInt8Kernel.INSTANCE);
        // The surefire JVM has the Vector API module: its kernel must load and is checked like the others.
        list.add(Int8Kernels.vector().orElseThrow());
        if (Int8Kernels.active() instanceof NativeInt8Kernel) {
            int isa = NativeInt8Kernel.supportedIsa();
            // Every level up to the best one (256-bit VNNI, 512-bit single rows) is checked, not only the best.
            for (int level = NativeInt8Kernel.ISA_AVX2; level <= Math.min(isa, NativeInt8Kernel.ISA_AVX512_ROWS);
                    level++) {
                list.add(new NativeInt8Kernel(level));
            }
            // A CPU with AMX must have it granted to this JVM (the surefire fork) and built into the library.
            // (A kernel that refuses the tile state is the machine's policy, not a fault of the build.)
            assertTrue(!cpuHasAmx() || isa == NativeInt8Kernel.ISA_AMX
                            || NativeInt8Kernel.amxStatus() == NativeInt8Kernel.AMX_REFUSED,
                    "the CPU has AMX but the kernels cannot use it, status " + NativeInt8Kernel.amxStatus());
            if (isa == NativeInt8Kernel.ISA_AMX) {
                // Tiles for every batch (2 rows and up), not only those the production threshold sends them.
                list.add(new NativeInt8Kernel(NativeInt8Kernel.ISA_AMX, 2));
                list.add(new NativeInt8Kernel(NativeInt8Kernel.ISA_AMX)); // the production thresholds
            }
        } else {
            // Where the native library should exist, its absence is a failure, not a skipped check.
            assertTrue(NativeLibrary.class.getResource(NativeLibrary.RESOURCE) == null
                    || !System.getProperty("os.arch").equals("amd64"), "native kernels built but not in use: "
                    + Int8Kernels.nativeUnavailableReason());
        }
        return list;
    }

    private static boolean cpuHasAmx() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo")).contains(" amx_int8");
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertSameBits(float[] expected, float[] got, String what) {
        for (int k = 0; k < expected.length; k++) {
            assertEquals(Float.floatToRawIntBits(expected[k]), Float.floatToRawIntBits(got[k]),
                    what + " element " + k + ": " + expected[k] + " vs " + got[k]);
        }
    }
}
