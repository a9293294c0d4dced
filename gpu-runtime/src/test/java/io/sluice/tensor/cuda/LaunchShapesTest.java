package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Int8Kernel;
import io.sluice.tensor.cpu.LaneSum;
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
        String tile = Files.readString(Path.of("src/main/cuda/mma_tile.cuh"));
        assertEquals(LaunchShapes.MMQ_FEATURES, define(tile, "SL_MMQ_FEATURES"));
        assertEquals(LaunchShapes.MMQ_TOKENS, define(tile, "SL_MMQ_TOKENS"));
        assertEquals(LaunchShapes.MMQ_TILES, define(tile, "SL_MMQ_TILES"));
        assertEquals(LaunchShapes.MMQ_LANES, define(tile, "SL_MMQ_LANES"));
        String int8 = Files.readString(Path.of("src/main/cuda/int8_product.cuh"));
        assertEquals(LaunchShapes.MVQ_ROWS, define(int8, "SL_MVQ_ROWS"));
        // The warps of a product block are the CPU order's lane accumulators.
        assertEquals(LaneSum.LANES, LaunchShapes.MMQ_LANES);
        assertEquals(Int8Kernel.TYPES, LaunchShapes.INT8_TYPES);
    }

    @Test
    void tensorCoreProductGrid() {
        // Tokens along x in blocks of 32, features along y in tiles of 16, eight warps.
        assertEquals(new LaunchShape(1, 128, 256), LaunchShapes.mmq(2048, 1));
        assertEquals(new LaunchShape(2, 129, 256), LaunchShapes.mmq(2049, 33));
        assertEquals(new LaunchShape(16, 2000, 256), LaunchShapes.mmq(32_000, 512));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.mmq(16 * 65_536, 1));
        assertEquals(new LaunchShape(3, 1, 256), LaunchShapes.quantizeQ8(96, 7));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.quantizeQ8(100, 1));
        assertEquals(new LaunchShape(5, 1, 256), LaunchShapes.splitF16(5));
        assertEquals(new LaunchShape(4, 1, 256), LaunchShapes.mvq(32));
        assertEquals("q6_k", LaunchShapes.int8Suffix(GgmlType.Q6_K));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.int8Suffix(GgmlType.F16));
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
        assertEquals(new LaunchShape(1, 256, 256), LaunchShapes.matmul(2048, 1));
        assertEquals(new LaunchShape(8, 257, 256), LaunchShapes.matmul(2049, 64));
        assertEquals(new LaunchShape(9, 257, 256), LaunchShapes.matmul(2049, 65));
        assertEquals(new LaunchShape(1, 32_768, 256), LaunchShapes.matmul(262_144, 1));   // Gemma's vocabulary
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.matmul(0, 1));
        assertThrows(IllegalArgumentException.class, () -> LaunchShapes.matmul(8 * 65_536, 1));
    }

    @Test
    void productKernelFollowsTypeAndShapeOnly() {
        assertEquals(ProductKernel.INT8, ProductKernel.of(GgmlType.Q4_K, 4096, true));
        assertEquals(ProductKernel.F16_MMA, ProductKernel.of(GgmlType.F16, 4096, true));
        // stories260K's FFN width of 172 is not whole 32-value chunks: the float kernel takes it.
        assertEquals(ProductKernel.FLOAT, ProductKernel.of(GgmlType.F16, 172, true));
        assertEquals(ProductKernel.FLOAT, ProductKernel.of(GgmlType.BF16, 4096, true));
        assertEquals(ProductKernel.FLOAT, ProductKernel.of(GgmlType.F32, 4096, true));
        assertEquals(ProductKernel.FLOAT, ProductKernel.of(GgmlType.Q8_0, 4096, false));
        assertEquals(ProductKernel.FLOAT, ProductKernel.of(GgmlType.F16, 4096, false));
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
