package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.gguf.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LaunchShapesTest {

    @Test
    void constantsMatchTheKernels() throws Exception {
        String source = Files.readString(Path.of("src/main/cuda/sluice_kernels.cu"));
        assertEquals(LaunchShapes.MATMUL_ROWS, define(source, "SL_MM_ROWS"));
        assertEquals(LaunchShapes.ATTENTION_THREADS, define(source, "SL_ATT_THREADS"));
        assertEquals(LaunchShapes.ATTENTION_MAX_HEAD, define(source, "SL_ATT_MAX_HEAD"));
    }

    private static int define(String source, String name) {
        Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(source);
        if (!m.find()) {
            throw new AssertionError(name + " not defined in the kernels");
        }
        return Integer.parseInt(m.group(1));
    }

    @Test
    void matmulGridCoversEveryFeatureAndRow() {
        assertEquals(new LaunchShape(512, 1, 128), LaunchShapes.matmul(2048, 1));
        assertEquals(new LaunchShape(513, 8, 128), LaunchShapes.matmul(2049, 64));
        assertEquals(new LaunchShape(513, 9, 128), LaunchShapes.matmul(2049, 65));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.matmul(0, 1));
    }

    @Test
    void otherShapes() {
        assertEquals(new LaunchShape(1, 3, 128), LaunchShapes.embed(172, 3));
        assertEquals(new LaunchShape(2, 5, 128), LaunchShapes.embed(32 * 129, 5));
        assertEquals(new LaunchShape(7, 1, 256), LaunchShapes.rmsNorm(7));
        assertEquals(new LaunchShape(4, 1, 256), LaunchShapes.elementwise(1000));
        assertEquals(new LaunchShape(3, 2, 256), LaunchShapes.perRow(600, 2));
        assertEquals(new LaunchShape(32, 4, 64), LaunchShapes.rope(32, 128, 4));
        assertEquals(new LaunchShape(8, 1, 32), LaunchShapes.rope(8, 8, 1));
        assertEquals(new LaunchShape(8, 2, 32), LaunchShapes.kvWriteQ8(256, 2));
        assertEquals(new LaunchShape(32, 3, 128), LaunchShapes.attention(32, 8, 64, 3, true));
    }

    @Test
    void refusesShapesTheKernelsCannotRun() {
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.rope(8, 7, 1));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.kvWriteQ8(100, 1));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.attention(32, 6, 64, 1, false));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.attention(8, 4, 8, 1, true));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.attention(8, 4, 512, 1, false));
    }

    @Test
    void kernelNamesPerType() {
        assertEquals("matmul_q4_k", LaunchShapes.matmulKernel(GgmlType.Q4_K));
        assertEquals("embed_bf16", LaunchShapes.embedKernel(GgmlType.BF16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchShapes.matmulKernel(GgmlType.Q2_K));
        assertEquals("the CUDA kernels cannot compute with Q2_K weights", e.getMessage());
    }
}
