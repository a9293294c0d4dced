package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.TestTensors;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The single-row (decode) products of every native instruction-set level against the scalar definition, bit
 * for bit, over row widths that exercise each kernel's grouping: fewer blocks than one group of eight, whole
 * groups, groups plus every tail length, and wide rows; over row ranges that start and end anywhere. The
 * 512-bit single-row kernels have their own code for all of these, so {@link Int8KernelConformanceTest}'s two
 * widths are not enough for them.
 */
class Int8SingleRowConformanceTest {
    private static final int ROWS = 11;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void everyNativeLevelGivesTheScalarBitsForOneRow(GgmlType type) {
        assumeTrue(Int8Kernels.active() instanceof NativeInt8Kernel, "no native kernels on this machine");
        int isa = NativeInt8Kernel.supportedIsa();
        int[] widths = type.blockSize() == 256
                ? new int[] {256, 512, 768, 2048, 2304, 4096}
                : new int[] {32, 96, 224, 256, 288, 416, 480, 512, 768, 2048, 2080, 4064};
        Random random = new Random(31L * type.ordinal());
        for (int cols : widths) {
            ByteBuffer data = TestTensors.randomData(type, ROWS, cols, random);
            float[] x = TestTensors.randomFloats(cols, random);
            // Extreme activations: a block at full scale (±127 after rounding) and an all-zero one.
            x[0] = 1000f;
            if (cols >= 64) {
                java.util.Arrays.fill(x, 32, 64, 0f);
            }
            Q8Activations q8 = new Q8Activations();
            q8.quantize(x, 1, cols);
            int rowBytes = (int) type.bytesFor(cols);
            float[] expected = new float[ROWS];
            ScalarInt8Kernel.INSTANCE.matmul(type, data, rowBytes, 0, ROWS, q8, expected, ROWS, 0);
            for (int level = NativeInt8Kernel.ISA_AVX2; level <= isa; level++) {
                NativeInt8Kernel kernel = new NativeInt8Kernel(level);
                float[] got = new float[ROWS + 3];
                // Ranges as threads get them, written at an offset.
                kernel.matmul(type, data, rowBytes, 0, 4, q8, got, ROWS, 3);
                kernel.matmul(type, data, rowBytes, 4, 5, q8, got, ROWS, 3);
                kernel.matmul(type, data, rowBytes, 5, ROWS, q8, got, ROWS, 3);
                for (int r = 0; r < ROWS; r++) {
                    assertEquals(Float.floatToRawIntBits(expected[r]), Float.floatToRawIntBits(got[3 + r]),
                            kernel.name() + " " + type + " cols " + cols + " row " + r + ": " + expected[r] + " vs "
                                    + got[3 + r]);
                }
            }
        }
    }
}
