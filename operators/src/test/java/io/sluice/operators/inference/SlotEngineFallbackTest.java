package io.sluice.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.kv.KvType;
import io.sluice.tensor.cuda.CudaStatus;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The slot's engine with {@code model.device: cuda} on a machine where CUDA cannot be used: the real engine
 * (stories260K) falls back to the CPU, naming the reason (the one WARN line says it).
 */
class SlotEngineFallbackTest {

    private static final String STORIES = "../gpu-runtime/src/test/resources/models/stories260K.gguf";

    @Test
    void cudaThatCannotBeUsedFallsBackToTheCpuWithOneWarning() throws Exception {
        Optional<String> reason = CudaStatus.current().reason();
        assumeTrue(reason.isPresent(), "CUDA is usable here");
        EngineSettings settings = new EngineSettings(STORIES, 2, 64, 16, 8L << 20, 0.25, KvType.F32, true, null, false,
                3, "exact", "cuda");
        try (SlotEngine slot = SlotEngine.open(new SharedEngineProvider(settings), Set.of(), 0, "test")) {
            assertEquals(Device.CPU, slot.device()); // the backendGpu metric reads 0
            assertTrue(slot.engine().device().startsWith("cpu"), slot.engine().device());
            assertEquals(Optional.of("CUDA cannot be used on cuda:0: " + reason.get()), slot.fallbackReason());
        }
    }

    @Test
    void aSplitThatCannotOpenFallsBackToTheCpuNamingEveryGpu() throws Exception {
        Optional<String> reason = CudaStatus.current().reason();
        assumeTrue(reason.isPresent(), "CUDA is usable here");
        EngineSettings settings = new EngineSettings(STORIES, 2, 64, 16, 8L << 20, 0.25, KvType.F32, true, null, false,
                3, "exact", "cuda:0,cuda:1");
        try (SlotEngine slot = SlotEngine.open(new SharedEngineProvider(settings), Set.of(), 0, "test")) {
            assertEquals(Device.CPU, slot.device());
            assertEquals(Optional.of("CUDA cannot be used on cuda:0,cuda:1: " + reason.get()), slot.fallbackReason());
        }
    }

    @Test
    void cpuNeverClaimsTheTaskManagersGpus() throws Exception {
        String name = "cpu-only-" + System.nanoTime();
        FakeEngineProvider.ENGINES.put(name, new FakeEngine("cpu"));
        FakeEngineProvider fake = new FakeEngineProvider(name, true);
        EngineProvider cpuOnly = new EngineProvider() {
            @Override
            public EngineLease acquire(Device device) {
                return fake.acquire(device);
            }

            @Override
            public DevicePreference devicePreference() {
                return DevicePreference.parse("cpu");
            }
        };
        try (SlotEngine slot = SlotEngine.open(cpuOnly, Set.of(InferenceOperatorTest.gpu("0")), 0, "test")) {
            assertEquals(Device.CPU, slot.device());
        }
        assertEquals(List.of(Device.CPU), FakeEngineProvider.ACQUIRED.get(name));
    }
}
