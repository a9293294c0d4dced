package io.sluice.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The forward pass against the independent float64 {@link ReferenceLlama}, and its batch invariance. */
class ForwardPassTest {

    @TempDir
    static Path dir;

    static final int[] PROMPT = {5, 17, 299, 42, 0, 123, 7, 250, 33};

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(GgmlType.F32, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.F16, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.BF16, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.Q8_0, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.Q4_0, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.Q5_0, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.Q5_1, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.Q4_K, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.Q5_K, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.Q6_K, Architecture.LLAMA, false, false),
                Arguments.of(GgmlType.F32, Architecture.QWEN2, false, false),
                Arguments.of(GgmlType.Q8_0, Architecture.QWEN2, false, false),
                Arguments.of(GgmlType.F32, Architecture.LLAMA, true, false),
                // Tied output (no output.weight) in both architectures, with rope_freqs on Qwen2 too.
                Arguments.of(GgmlType.F32, Architecture.LLAMA, false, true),
                Arguments.of(GgmlType.F32, Architecture.QWEN2, true, true),
                Arguments.of(GgmlType.Q8_0, Architecture.LLAMA, false, true));
    }

    @ParameterizedTest(name = "{0} {1} rope_freqs={2} tied={3}")
    @MethodSource("models")
    void matchesFloat64Reference(GgmlType type, Architecture arch, boolean ropeFreqs, boolean tied) throws IOException {
        Path path = TinyModels.write(dir, type, arch, ropeFreqs, tied, 42);
        try (LlamaModel model = LlamaModel.load(path); GgufFile file = GgufFile.open(path)) {
            ReferenceLlama ref = new ReferenceLlama(file);
            Sequence seq = new Sequence(model);
            // Whole prompt in one step (all rows want logits), then three single-token steps.
            float[] prefill = seq.step(PROMPT, true);
            int vocab = model.config().vocabSize();
            for (int i = 0; i < PROMPT.length; i++) {
                assertClose(ref.step(PROMPT[i], i), prefill, i * vocab, vocab, type);
            }
            for (int i = 0; i < 3; i++) {
                int token = 11 * i + 3;
                float[] got = seq.step(new int[] {token}, true);
                assertClose(ref.step(token, PROMPT.length + i), got, 0, vocab, type);
            }
        }
    }

    private static void assertClose(double[] expected, float[] got, int offset, int n, GgmlType type) {
        double maxRef = 0;
        double maxErr = 0;
        for (int i = 0; i < n; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxErr = Math.max(maxErr, Math.abs(expected[i] - got[offset + i]));
        }
        // Float32 arithmetic against float64 on the same (dequantized) weights. Products on Q8_0, Q4_0, Q5_0, Q5_1,
        // Q4_K, Q5_K and Q6_K weights round their activations to 8 bits (the reference does too, in float64): where float32
        // and float64 land on opposite sides of a rounding boundary one value moves by a whole step (1/127 of
        // its block's maximum), which these tiny random models amplify to ~1e-3 of the largest logit.
        double tolerance = io.sluice.tensor.cpu.Int8Kernel.TYPES.contains(type) ? 3e-3
                : type == GgmlType.F32 ? 1e-5 : 2e-5;
        assertTrue(maxErr <= tolerance * maxRef, type + ": max error " + maxErr + " vs max logit " + maxRef);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void rowsAreBitIdenticalWhateverTheBatchAndChunking(GgmlType type) throws IOException {
        Path path = TinyModels.write(dir, type, Architecture.LLAMA, false, 7);
        try (LlamaModel model = LlamaModel.load(path)) {
            int vocab = model.config().vocabSize();
            // Alone, prompt in one step.
            float[] alone = new Sequence(model).step(PROMPT, true);
            // Chunked 4 + 5, sharing the KV pool and each step's batch with another sequence.
            KvCacheStorage kv = model.newKvStorage(16, 8, KvType.F32);
            Sequence a = new Sequence(model, kv, new int[] {3, 9});
            Sequence b = new Sequence(model, kv, new int[] {0, 1, 2});
            ForwardBatch batch = new ForwardBatch();
            b.addRows(batch, new int[] {8, 8, 8, 8, 8, 8, 8}, false);
            a.addRows(batch, java.util.Arrays.copyOf(PROMPT, 4), true);
            float[] first = model.forward(batch, kv);
            batch.clear();
            a.addRows(batch, java.util.Arrays.copyOfRange(PROMPT, 4, PROMPT.length), true);
            b.addRows(batch, new int[] {9}, true);
            float[] second = model.forward(batch, kv);
            float[] mixed = new float[PROMPT.length * vocab];
            System.arraycopy(first, 0, mixed, 0, 4 * vocab);
            System.arraycopy(second, 0, mixed, 4 * vocab, 5 * vocab);
            assertArrayEquals(alone, mixed, 0f, "logits must be bit-identical");
            for (int i = 0; i < alone.length; i++) {
                assertTrue(Float.floatToRawIntBits(alone[i]) == Float.floatToRawIntBits(mixed[i]), "bit mismatch at " + i);
            }
        }
    }

    @Test
    void rejectsTokensOutsideTheVocabularyAndPositionsBeyondTheContext() throws IOException {
        Path path = TinyModels.write(dir, GgmlType.F32, Architecture.LLAMA, false, 1);
        try (LlamaModel model = LlamaModel.load(path)) {
            Sequence seq = new Sequence(model);
            assertThrows(IllegalArgumentException.class, () -> seq.step(new int[] {TinyModels.VOCAB}, true));
            KvCacheStorage kv = model.newKvStorage(100, 1, KvType.F32);
            ForwardBatch batch = new ForwardBatch();
            batch.add(1, TinyModels.CONTEXT, new int[200], true);
            assertThrows(IllegalArgumentException.class, () -> model.forward(batch, kv));
        }
    }

    @ParameterizedTest
    @EnumSource(value = KvType.class, names = {"F16", "Q8"})
    void aRoundedKvCacheStaysCloseToF32(KvType kvType) throws IOException {
        Path path = TinyModels.write(dir, GgmlType.F32, Architecture.LLAMA, false, 3);
        try (LlamaModel model = LlamaModel.load(path)) {
            float[] exact = new Sequence(model).step(PROMPT, true);
            Sequence rounded = new Sequence(model, model.newKvStorage(12, 8, kvType),
                    new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
            float[] approx = rounded.step(PROMPT, true);
            double maxRef = 0;
            double maxErr = 0;
            for (int i = 0; i < exact.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(exact[i]));
                maxErr = Math.max(maxErr, Math.abs(exact[i] - approx[i]));
            }
            // Half precision keeps 11 significant bits, 8-bit blocks about 7.
            double tolerance = kvType == KvType.F16 ? 0.002 : 0.02;
            assertTrue(maxErr > 0, kvType + " storage must actually round");
            assertTrue(maxErr < tolerance * maxRef, kvType + " KV error " + maxErr + " vs max logit " + maxRef);
        }
    }

    @Test
    void refusesEightBitKvForHeadsThatSplitBlocks() {
        try (LlamaModel model = LlamaModel.load(GreedyGoldenTest.MODELS.resolve("stories260K.gguf"))) {
            assertThrows(IllegalArgumentException.class, () -> model.newKvStorage(4, 4, KvType.Q8));
        }
    }

    /** One sequence with its own block table over a KV pool. */
    static final class Sequence {
        final LlamaModel model;
        final KvCacheStorage kv;
        final int[] table;
        int length;

        Sequence(LlamaModel model) {
            this(model, model.newKvStorage(12, 8, KvType.F32), new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        }

        Sequence(LlamaModel model, KvCacheStorage kv, int[] table) {
            this.model = model;
            this.kv = kv;
            this.table = table;
        }

        void addRows(ForwardBatch batch, int[] tokens, boolean logits) {
            for (int t : tokens) {
                batch.add(t, length++, table, logits);
            }
        }

        float[] step(int[] tokens, boolean logits) {
            ForwardBatch batch = new ForwardBatch();
            addRows(batch, tokens, logits);
            return model.forward(batch, kv);
        }
    }
}
