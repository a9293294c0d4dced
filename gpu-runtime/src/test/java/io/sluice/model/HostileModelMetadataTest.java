package io.sluice.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files whose metadata is absurd or disagrees with the tensors fail with one clear exception. */
class HostileModelMetadataTest {

    @TempDir
    Path dir;

    private IllegalArgumentException refused(Consumer<GgufWriter> edit) throws IOException {
        Path file = TinyModels.write(dir, GgmlType.F32, Architecture.LLAMA, false, 7, edit);
        return assertThrows(IllegalArgumentException.class, () -> LlamaModel.load(file).close());
    }

    @Test
    void hugeContextLengthIsRefusedInsteadOfExhaustingMemory() throws IOException {
        IllegalArgumentException e = refused(w -> w.putUInt32("llama.context_length", Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("context_length"), e.getMessage());
        IllegalArgumentException large = refused(w -> w.putUInt32("llama.context_length", 1 << 28));
        assertTrue(large.getMessage().contains("context_length"), large.getMessage());
    }

    @Test
    void hugeBlockCountIsRefusedBeforeAllocating() throws IOException {
        IllegalArgumentException e = refused(w -> w.putUInt32("llama.block_count", Integer.MAX_VALUE - 2));
        assertTrue(e.getMessage().contains("block_count"), e.getMessage());
    }

    @Test
    void blockCountBeyondTheTensorsIsRefused() throws IOException {
        IllegalArgumentException e = refused(w -> w.putUInt32("llama.block_count", TinyModels.LAYERS + 1));
        assertTrue(e.getMessage().contains("block_count"), e.getMessage());
    }

    @Test
    void headCountsThatDoNotFitTheShapesAreRefused() throws IOException {
        refused(w -> w.putUInt32("llama.attention.head_count", 3));
        refused(w -> w.putUInt32("llama.attention.head_count", Integer.MAX_VALUE));
        refused(w -> w.putUInt32("llama.attention.head_count", 0));
        refused(w -> w.putUInt32("llama.attention.head_count_kv", 3));
        refused(w -> w.putInt32("llama.attention.key_length", -64));
        refused(w -> w.putUInt32("llama.embedding_length", 0));
        refused(w -> w.putUInt32("llama.feed_forward_length", 7));
    }

    @Test
    void ropeFrequencyFactorsMustBePositiveAndFinite() throws IOException {
        int half = TinyModels.DIM / TinyModels.HEADS / 2;
        for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e = refused(w -> {
                float[] f = new float[half];
                java.util.Arrays.fill(f, 1f);
                f[half - 1] = bad;
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * half).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float v : f) {
                    b.putFloat(v);
                }
                w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {half}, b.array());
            });
            assertTrue(e.getMessage().contains("rope_freqs.weight"), e.getMessage());
        }
    }
}
