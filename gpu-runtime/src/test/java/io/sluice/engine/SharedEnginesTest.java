package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SharedEnginesTest {

    @Test
    void oneEnginePerModelUntilTheLastHandleCloses() throws Exception {
        EngineConfig config = EngineConfig.builder(LlamaEngineTest.STORIES).kvCacheBytes(8L << 20).build();
        int before = SharedEngines.liveEngines();
        EngineHandle a = SharedEngines.acquire(config);
        // the same file through another path spelling is the same model
        EngineHandle b = SharedEngines.acquire(config.toBuilder()
                .modelPath(Path.of("src/test/../test/resources/models/stories260K.gguf")).build());
        assertSame(a.engine(), b.engine());
        assertEquals(before + 1, SharedEngines.liveEngines());
        a.close();
        a.close(); // harmless
        assertThrows(IllegalStateException.class, a::engine);
        Completion c = b.engine().submit(GenerationRequest.builder("x").promptIds(1).maxTokens(3).build())
                .get(30, TimeUnit.SECONDS);
        assertEquals(3, c.completionTokens());
        InferenceEngine engine = b.engine();
        b.close();
        assertEquals(before, SharedEngines.liveEngines());
        assertEquals(EngineException.Code.ENGINE_CLOSED,
                LlamaEngineTest.failure(engine.submit(GenerationRequest.builder("y").promptIds(1).build())).code());
        // a fresh acquire creates a new engine
        try (EngineHandle c2 = SharedEngines.acquire(config)) {
            assertTrue(c2.engine() != engine);
        }
    }

    @Test
    void aFactoryCanSubstituteTheEngine() {
        InferenceEngine fake = LlamaEngineTestFakes.fixedEngine();
        SharedEngines.EngineFactory previous = SharedEngines.useFactory(cfg -> fake);
        try (EngineHandle h = SharedEngines.acquire(EngineConfig.builder(Path.of("fake-model.gguf")).build())) {
            assertSame(fake, h.engine());
            assertEquals("fake-model.gguf", h.config().modelPath().toString());
        } finally {
            SharedEngines.useFactory(previous);
        }
    }
}
