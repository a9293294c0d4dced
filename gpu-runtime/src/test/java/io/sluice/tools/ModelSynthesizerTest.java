package io.sluice.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufMetadata;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tensor.quant.Quantizer;
import io.sluice.tensor.quant.TensorTypePolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelSynthesizerTest {

    static final Path STORIES = Path.of("src/test/resources/models/stories260K.gguf");

    @TempDir
    Path dir;

    private static ModelSynthesizer.Builder tiny(GgmlType type) {
        return ModelSynthesizer.builder().dim(64).layers(2).heads(4).kvHeads(2).ffn(96).vocab(300).context(128)
                .type(type).seed(7);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q8_0", "Q4_0"})
    void writesALlamaShapedModel(GgmlType type) throws IOException {
        Path file = dir.resolve("tiny-" + type + ".gguf");
        tiny(type).build().write(file);
        try (GgufFile f = GgufFile.open(file)) {
            GgufMetadata m = f.metadata();
            assertEquals("llama", m.architecture());
            assertEquals(64, m.getInt("llama.embedding_length"));
            assertEquals(2, m.getInt("llama.block_count"));
            assertEquals(4, m.getInt("llama.attention.head_count"));
            assertEquals(2, m.getInt("llama.attention.head_count_kv"));
            assertEquals(96, m.getInt("llama.feed_forward_length"));
            assertEquals(128, m.getInt("llama.context_length"));
            assertEquals(16, m.getInt("llama.rope.dimension_count"));
            assertEquals(10000f, m.getFloat("llama.rope.freq_base"));
            assertEquals(1e-5f, m.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(LlamaFileType.of(type), m.getInt("general.file_type"));
            assertTrue(m.getString("general.name").contains("64"));

            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            assertEquals(300, tokens.length);
            assertEquals("<unk>", tokens[0]);
            assertEquals("<s>", tokens[1]);
            assertEquals("</s>", tokens[2]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals("<0x0A>", tokens[3 + 10]);
            assertEquals("<0xFF>", tokens[258]);
            assertEquals("t259", tokens[259]);
            assertEquals(300, m.getFloatArray("tokenizer.ggml.scores").length);
            int[] tokenTypes = m.getIntArray("tokenizer.ggml.token_type");
            assertEquals(6, tokenTypes[3]);
            assertEquals(1, tokenTypes[299]);
            assertEquals("llama", m.getString("tokenizer.ggml.model"));
            assertEquals(1, m.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, m.getInt("tokenizer.ggml.eos_token_id"));

            assertEquals(3 + 2 * 9, f.tensors().size());
            assertShape(f, "token_embd.weight", type, 64, 300);
            assertShape(f, "output_norm.weight", GgmlType.F32, 64);
            assertShape(f, "output.weight", type, 64, 300);
            for (int l = 0; l < 2; l++) {
                String p = "blk." + l + ".";
                assertShape(f, p + "attn_norm.weight", GgmlType.F32, 64);
                assertShape(f, p + "attn_q.weight", type, 64, 64);
                assertShape(f, p + "attn_k.weight", type, 64, 32);
                assertShape(f, p + "attn_v.weight", type, 64, 32);
                assertShape(f, p + "attn_output.weight", type, 64, 64);
                assertShape(f, p + "ffn_norm.weight", GgmlType.F32, 64);
                assertShape(f, p + "ffn_gate.weight", type, 64, 96);
                assertShape(f, p + "ffn_up.weight", type, 64, 96);
                assertShape(f, p + "ffn_down.weight", type, 96, 64);
            }

            float[] norm = values(f, f.tensor("blk.1.ffn_norm.weight"));
            for (float v : norm) {
                assertTrue(v > 0.98f && v < 1.02f, "norm weight " + v);
            }
            float[] down = values(f, f.tensor("blk.0.ffn_down.weight"));
            float bound = (float) (1 / Math.sqrt(96)) * 1.01f;
            double sumSquares = 0;
            for (float v : down) {
                assertTrue(Math.abs(v) <= bound, "weight " + v + " beyond " + bound);
                sumSquares += v * v;
            }
            double rms = Math.sqrt(sumSquares / down.length);
            assertTrue(rms > 0.4 * bound && rms < 0.8 * bound, "rms " + rms); // uniform: bound / sqrt(3)
        }
    }

    @Test
    void sameSeedSameFileOtherSeedOtherWeights() throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        tiny(GgmlType.Q8_0).build().write(a);
        tiny(GgmlType.Q8_0).build().write(b);
        tiny(GgmlType.Q8_0).seed(8).build().write(c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
        // Different tensors get different weights.
        try (GgufFile f = GgufFile.open(a)) {
            assertFalse(f.data(f.tensor("blk.0.attn_q.weight")).equals(f.data(f.tensor("blk.0.attn_output.weight"))));
        }
    }

    @Test
    void copiesTheVocabularyOfAnotherFile() throws IOException {
        Path file = dir.resolve("vocab.gguf");
        ModelSynthesizer s = ModelSynthesizer.builder().dim(32).layers(1).heads(2).ffn(64).type(GgmlType.Q4_0)
                .vocabFrom(STORIES).build();
        assertEquals(512, s.vocab());
        s.write(file);
        try (GgufFile f = GgufFile.open(file); GgufFile src = GgufFile.open(STORIES)) {
            for (String key : src.metadata().keys()) {
                if (key.startsWith("tokenizer.")) {
                    assertEquals(src.metadata().get(key), f.metadata().get(key), key);
                    assertEquals(src.metadata().typeOf(key), f.metadata().typeOf(key), key);
                }
            }
            assertEquals(512, f.tensor("token_embd.weight").rows());
        }
    }

    @Test
    void smallVocabularyHasNoByteTokens() throws IOException {
        Path file = dir.resolve("small.gguf");
        tiny(GgmlType.F32).vocab(10).build().write(file);
        try (GgufFile f = GgufFile.open(file)) {
            String[] tokens = f.metadata().getStringArray("tokenizer.ggml.tokens");
            assertEquals(10, tokens.length);
            assertEquals("t3", tokens[3]);
        }
    }

    @Test
    void estimatesTheFileSizeBeforeWritingIt() throws IOException {
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.Q4_0}) {
            Path file = dir.resolve("estimate-" + type + ".gguf");
            ModelSynthesizer s = tiny(type).dim(128).ffn(256).build();
            s.write(file);
            long actual = Files.size(file);
            assertTrue(s.estimatedFileBytes() >= actual && s.estimatedFileBytes() < actual + 100_000,
                    type + ": estimated " + s.estimatedFileBytes() + ", wrote " + actual);
        }
    }

    /**
     * Every type quantize writes, the mixes included: the synthesized file holds what quantizing the F32 model of
     * the same settings gives — each tensor's type and bytes, and the file type — and its size was estimated.
     */
    @ParameterizedTest
    @EnumSource(QuantType.class)
    void everyTypeIsWhatQuantizingTheF32ModelGives(QuantType type) throws IOException {
        Path f32 = dir.resolve("f32.gguf");
        Path quantized = dir.resolve("quantized.gguf");
        Path synthesized = dir.resolve("synthesized-" + type + ".gguf");
        // Eight layers, so that a mix gives some attn_v and ffn_down matrices Q6_K and others not.
        ModelSynthesizer.Builder shape = ModelSynthesizer.builder().dim(256).layers(8).heads(4).kvHeads(2).ffn(512)
                .vocab(300).context(64).seed(5);
        shape.type(QuantType.F32).build().write(f32);
        ModelQuantizer.quantize(f32, quantized, type);
        ModelSynthesizer s = shape.type(type).build();
        s.write(synthesized);
        try (GgufFile want = GgufFile.open(quantized); GgufFile got = GgufFile.open(synthesized)) {
            assertEquals(want.metadata().getInt(LlamaFileType.KEY), got.metadata().getInt(LlamaFileType.KEY));
            assertEquals(type.isQuantized(), got.metadata().keys().contains("general.quantization_version"));
            assertEquals(want.tensors().size(), got.tensors().size());
            for (GgufTensorInfo t : want.tensors()) {
                GgufTensorInfo g = got.tensor(t.name());
                assertEquals(t.type(), g.type(), t.name());
                assertEquals(want.data(t), got.data(g), t.name());
            }
            if (type.isMix()) {
                assertEquals(GgmlType.Q6_K, got.tensor("blk.7.ffn_down.weight").type());
                assertEquals(type.base(), got.tensor("blk.1.ffn_down.weight").type());
            }
        }
        long actual = Files.size(synthesized);
        assertTrue(s.estimatedFileBytes() >= actual && s.estimatedFileBytes() < actual + 100_000,
                type + ": estimated " + s.estimatedFileBytes() + ", wrote " + actual);
    }

    @Test
    void countsTheLayersAMixGivesMoreBitsAsThePolicyPicksThem() {
        for (int n = 1; n <= 500; n++) {
            int layers = n;
            long picked = java.util.stream.IntStream.range(0, n)
                    .filter(i -> TensorTypePolicy.useMoreBits(i, layers)).count();
            assertEquals(picked, ModelSynthesizer.moreBitsLayers(n), "layers " + n);
        }
    }

    @Test
    void refusesBadShapes() {
        assertMessage("not divisible by heads", () -> tiny(GgmlType.F32).heads(5).build());
        assertMessage("not divisible by kv-heads", () -> tiny(GgmlType.F32).kvHeads(3).build());
        assertMessage("multiples of 32", () -> tiny(GgmlType.Q8_0).ffn(100).build());
        assertMessage("multiples of 32", () -> tiny(GgmlType.Q4_0).dim(48).heads(4).build());
        assertMessage("must be even", () -> tiny(GgmlType.F32).dim(60).heads(4).build());
        assertMessage("layers must be positive", () -> tiny(GgmlType.F32).layers(0).build());
        assertMessage("at least 3", () -> tiny(GgmlType.F32).vocab(2).build());
        // -1 is a value like any other, not "the default"
        assertMessage("ffn must be positive, not -1", () -> tiny(GgmlType.F32).ffn(-1).build());
        assertMessage("kv-heads must be positive, not -1", () -> tiny(GgmlType.F32).kvHeads(-1).build());
        assertMessage("vocab must be positive, not -1", () -> tiny(GgmlType.F32).vocab(-1).build());
        assertMessage("exceed 2 GiB", () -> ModelSynthesizer.builder().dim(1 << 30).heads(2).layers(1).build());
        assertMessage("type must be one of F32, F16, Q4_0, Q8_0, Q4_K", () -> tiny(GgmlType.Q5_0).build());
        assertMessage("Q4_K_M needs dim and ffn to be multiples of 256", () -> tiny(GgmlType.F32).type(QuantType.Q4_K_M)
                .build());
        assertMessage("differs from the 512 tokens", () -> tiny(GgmlType.F32).vocabFrom(STORIES).build());
        assertMessage("exceed 2 GiB", () -> tiny(GgmlType.F32).dim(65536).heads(512).vocab(65536).build());
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(fragment), ex.getMessage());
    }

    private static void assertShape(GgufFile f, String name, GgmlType type, long... shape) {
        GgufTensorInfo t = f.tensor(name);
        assertEquals(type, t.type(), name);
        assertArrayEquals(shape, t.shape(), name);
    }

    static float[] values(GgufFile f, GgufTensorInfo t) {
        float[] out = new float[(int) t.elements()];
        ByteBuffer data = f.data(t);
        Quantizer.dequantize(t.type(), data, out, 0, out.length);
        return out;
    }
}
