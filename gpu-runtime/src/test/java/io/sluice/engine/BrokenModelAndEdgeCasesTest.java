package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.gguf.GgufWriter;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.SamplingParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model with broken weights fails its requests with a clear error; a bad draft model is refused at start. */
class BrokenModelAndEdgeCasesTest {

    @TempDir
    Path dir;

    /** A copy of {@code source} with tensor {@code name} rewritten by {@code edit} (F32 only). */
    private Path copyWith(Path source, String target, String name, BiFunction<Integer, Float, Float> edit)
            throws Exception {
        Path out = dir.resolve(target);
        try (GgufFile in = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(in.metadata());
            for (GgufTensorInfo t : in.tensors()) {
                ByteBuffer data = in.data(t);
                if (t.name().equals(name)) {
                    assertEquals(GgmlType.F32, t.type());
                    ByteBuffer copy = ByteBuffer.allocate(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
                    ByteBuffer src = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; src.remaining() >= 4; i++) {
                        copy.putFloat(edit.apply(i, src.getFloat()));
                    }
                    copy.flip();
                    data = copy;
                }
                w.addTensor(t.name(), t.type(), t.shape(), data);
            }
            w.write(out);
        }
        return out;
    }

    @Test
    void nonFiniteLogitsFailTheRequestWithAClearError() throws Exception {
        Path broken = copyWith(LlamaEngineTest.STORIES, "nan.gguf", "output_norm.weight", (i, v) -> Float.NaN);
        try (LlamaModel model = LlamaModel.load(broken);
                LlamaEngine engine = new LlamaEngine(model, LlamaEngineTest.config().build(), false)) {
            EngineException e = LlamaEngineTest.failure(engine.submit(
                    GenerationRequest.builder("nan").promptIds(1, 2, 3).maxTokens(4).build()));
            assertEquals(EngineException.Code.INTERNAL, e.code());
            assertTrue(e.getMessage().contains("non-finite logit"), e.getMessage());
            assertEquals(0, engine.stats().generatedTokens());
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
    }

    @Test
    void tinyTemperaturesBehaveAsGreedy() throws Exception {
        try (LlamaModel model = LlamaModel.load(LlamaEngineTest.STORIES);
                LlamaEngine engine = new LlamaEngine(model, LlamaEngineTest.config().build(), false)) {
            int[] greedy = engine.submit(GenerationRequest.builder("g").promptIds(1).maxTokens(24).build())
                    .get(60, TimeUnit.SECONDS).tokenIds();
            for (float t : new float[] {1e-38f, 1e-40f, 1e-45f, Float.MIN_VALUE}) {
                SamplingParams tiny = SamplingParams.builder().temperature(t).topK(0).topP(1f).minP(0f).seed(5).build();
                Completion c = engine.submit(GenerationRequest.builder("t" + t).promptIds(1).maxTokens(24)
                        .sampling(tiny).build()).get(60, TimeUnit.SECONDS);
                assertArrayEquals(greedy, c.tokenIds(), "temperature " + t);
            }
        }
    }

    @Test
    void aDraftModelWithAnotherVocabularySizeIsRefused() {
        EngineConfig config = EngineConfig.builder(SpeculationTest.SHAKESPEARE).kvCacheBytes(16L << 20)
                .speculation(new SpeculationConfig(LlamaEngineTest.STORIES, false, 4,
                        SpeculationConfig.SpecMode.EXACT)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaEngine.open(config));
        assertTrue(e.getMessage().startsWith("draft model stories260K.gguf has a vocabulary of 512 tokens, "
                + "shakespeare.gguf has 1024"), e.getMessage());
    }

    @Test
    void aDraftModelWithOtherTokenTextsIsRefusedNamingTheFirstDifference() throws Exception {
        Path other = dir.resolve("other-vocab.gguf");
        try (GgufFile in = GgufFile.open(SpeculationTest.SHAKESPEARE_DRAFT)) {
            String[] tokens = in.metadata().getStringArray("tokenizer.ggml.tokens");
            tokens[300] = "<renamed>";
            GgufWriter w = new GgufWriter().putAll(in.metadata()).putStringArray("tokenizer.ggml.tokens", tokens);
            for (GgufTensorInfo t : in.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), in.data(t));
            }
            w.write(other);
        }
        String expected;
        try (GgufFile target = GgufFile.open(SpeculationTest.SHAKESPEARE)) {
            expected = "draft model other-vocab.gguf has another vocabulary than shakespeare.gguf: token 300 is "
                    + "'<renamed>', not '" + target.metadata().getStringArray("tokenizer.ggml.tokens")[300] + "'";
        }
        EngineConfig config = EngineConfig.builder(SpeculationTest.SHAKESPEARE).kvCacheBytes(16L << 20)
                .speculation(new SpeculationConfig(other, false, 4, SpeculationConfig.SpecMode.EXACT)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaEngine.open(config));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void aMissingDraftModelIsRefusedNamingIt() {
        Path missing = dir.resolve("missing.gguf");
        EngineConfig config = EngineConfig.builder(SpeculationTest.SHAKESPEARE).kvCacheBytes(16L << 20)
                .speculation(new SpeculationConfig(missing, false, 4, SpeculationConfig.SpecMode.EXACT)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaEngine.open(config));
        assertTrue(e.getMessage().startsWith("draft model " + missing), e.getMessage());
    }
}
