package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.ComputeBackends;
import io.sluice.tensor.Device;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing gives a device its memory back — the engine its KV cache, the model its weights and activations, on
 * every device of a split — and a closed model refuses use. Devices of their own (cpu:7 to cpu:9), so that no
 * other test's allocations are counted.
 */
class EngineCloseTest {

    private static final GenerationRequest REQUEST = GenerationRequest.builder("r").promptIds(new int[] {1, 2, 3})
            .maxTokens(4).build();

    @Test
    void anEngineThatOwnsItsModelFreesEverythingItAllocated() throws Exception {
        ComputeBackend cpu = ComputeBackends.open(Device.cpu(7));
        long before = cpu.bytesHeld();
        LlamaEngine engine = LlamaEngine.open(EngineConfig.builder(LlamaEngineTest.STORIES).device(Device.cpu(7))
                .kvCacheBytes(1 << 20).kvType(KvType.F16).build());
        engine.submit(REQUEST).get(60, TimeUnit.SECONDS);
        assertTrue(cpu.bytesHeld() > before + engine.stats().kvBlocksTotal() * engine.stats().kvBytesPerBlock(),
                "KV cache, vectors and activations are held: " + cpu.bytesHeld());
        LlamaModel model = engine.model();
        engine.close();
        assertEquals(before, cpu.bytesHeld());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.newKvStorage(1, 16,
                KvType.F32));
        assertEquals("model stories260K.gguf is closed", e.getMessage());
    }

    @Test
    void anEngineFreesItsKvCacheAndTheModelTheRestOnEveryDevice() throws Exception {
        ComputeBackend a = ComputeBackends.open(Device.cpu(8));
        ComputeBackend b = ComputeBackends.open(Device.cpu(9));
        try (LlamaModel model = LlamaModel.load(LlamaEngineTest.STORIES, List.of(Device.cpu(8), Device.cpu(9)))) {
            long loaded = a.bytesHeld() + b.bytesHeld();
            assertTrue(a.bytesHeld() > 0 && b.bytesHeld() > 0, "norm weights on both devices");
            try (LlamaEngine engine = new LlamaEngine(model, EngineConfig.builder(model.path())
                    .devices(model.devices()).kvCacheBytes(1 << 20).build(), false)) {
                engine.submit(REQUEST).get(60, TimeUnit.SECONDS);
            }
            long afterEngine = a.bytesHeld() + b.bytesHeld();
            assertTrue(afterEngine > loaded, "the model keeps its activation buffers for the next step");
            ForwardBatch batch = new ForwardBatch();
            batch.add(1, 0, new int[] {0}, true);
            var kv = model.newKvStorage(1, 16, KvType.F32);
            kv.close();
            assertEquals(afterEngine, a.bytesHeld() + b.bytesHeld(), "the engine's KV cache was freed");
            assertEquals("the KV cache is closed (its engine was closed)",
                    assertThrows(IllegalStateException.class, () -> model.forward(batch, kv)).getMessage());
            model.close();
            assertEquals(0, a.bytesHeld() + b.bytesHeld());
            assertThrows(IllegalStateException.class, () -> model.forward(batch, kv));
        }
    }
}
