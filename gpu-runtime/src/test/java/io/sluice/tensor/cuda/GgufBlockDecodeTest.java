package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.WeightTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kernels' block decoding (src/main/cuda/gguf_blocks.cuh), compiled for the host by g++, decodes random
 * blocks of every type to the same bits as the Java reference decoders. This is the layout half of the
 * matmul and embedding kernels, checked without a GPU.
 */
class GgufBlockDecodeTest {

    @TempDir
    static Path dir;
    static Path binary;

    @BeforeAll
    static void compile() throws Exception {
        binary = HostChecks.compile(dir, "decode_check");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K",
            "Q5_K", "Q6_K"})
    void decodesLikeTheJavaReference(GgmlType type) throws Exception {
        int k = type.blockSize() == 256 ? 512 : 96;
        int rows = 3;
        long rowBytes = (long) k / type.blockSize() * type.blockBytes();
        byte[] bytes = new byte[(int) rowBytes * rows];
        new Random(type.ordinal() * 7919L).nextBytes(bytes);
        Path in = dir.resolve(type + ".in");
        Path out = dir.resolve(type + ".out");
        Files.write(in, bytes);
        HostChecks.run(List.of(binary.toString(), Integer.toString(type.id()), Integer.toString(k), Integer.toString(rows),
                in.toString(), out.toString()));
        ByteBuffer decoded = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        WeightTensor tensor = WeightTensor.of(type, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), rows, k);
        float[] expected = new float[k];
        for (int r = 0; r < rows; r++) {
            tensor.dequantizeRow(r, expected, 0);
            for (int i = 0; i < k; i++) {
                float got = decoded.getFloat((r * k + i) * 4);
                if (!(Float.isNaN(got) && Float.isNaN(expected[i]))) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got),
                            type + " row " + r + " value " + i + ": expected " + expected[i] + ", got " + got);
                }
            }
        }
    }
}
