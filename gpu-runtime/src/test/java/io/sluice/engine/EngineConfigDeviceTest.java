package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.kv.KvType;
import io.sluice.tensor.Device;
import io.sluice.tensor.cuda.CudaStatus;
import io.sluice.tensor.cuda.CudaUnavailableException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The engine's device: parsed from text, typed in the configuration, and the one-line reason when CUDA is absent. */
class EngineConfigDeviceTest {

    private static final Path MODEL = Path.of("m.gguf");

    @Test
    void theDeviceIsParsedFromItsTextForms() {
        assertEquals(Device.CPU, EngineConfig.builder(MODEL).build().device());
        assertEquals(Device.CPU, EngineConfig.builder(MODEL).backend("cpu").build().device());
        assertEquals(Device.cuda(0), EngineConfig.builder(MODEL).backend("cuda").build().device());
        assertEquals(Device.cuda(3), EngineConfig.builder(MODEL).backend("CUDA:3").build().device());
        assertEquals(Device.cuda(1), EngineConfig.builder(MODEL).device(Device.cuda(1)).build().device());
        EngineConfig old = new EngineConfig(MODEL, "cuda:2", 4, 64, 16, 0, 0.25, false, true);
        assertEquals(Device.cuda(2), old.device());
        assertEquals("cuda:2", old.backend());
        assertEquals(Device.cuda(2), old.toBuilder().build().device());
    }

    @Test
    void severalDevicesSplitTheModelAndTheFirstIsTheDevice() {
        EngineConfig split = EngineConfig.builder(MODEL).backend("cuda:1,cuda:0").build();
        assertEquals(List.of(Device.cuda(1), Device.cuda(0)), split.devices());
        assertEquals(Device.cuda(1), split.device());
        assertEquals("cuda:1,cuda:0", split.backend());
        assertEquals(split, split.toBuilder().build());
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.builder(MODEL).devices(List.of()).build());
        assertEquals(KvType.F16, EngineConfig.builder(MODEL).kvType(KvType.F16).build().toBuilder().build().kvType());
        assertEquals(KvType.Q8, new EngineConfig(MODEL, "cpu", 4, 64, 16, 0, 0.25, true, true).kvType());
    }

    @Test
    void anUnknownDeviceIsRefusedNamingTheForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.builder(MODEL).backend("tpu").build());
        assertEquals("device 'tpu' is not one of cpu, cpu:N, cuda, cuda:N", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.builder(MODEL).backend("cuda:-1"));
    }

    @Test
    void enginesAreSharedPerDevice() {
        SharedEngines.EngineFactory previous = SharedEngines.useFactory(cfg -> LlamaEngineTestFakes.fixedEngine());
        try (EngineHandle cpu = SharedEngines.acquire(EngineConfig.builder(MODEL).build());
             EngineHandle cpuAgain = SharedEngines.acquire(EngineConfig.builder(MODEL).backend("cpu").build());
             EngineHandle gpu = SharedEngines.acquire(EngineConfig.builder(MODEL).backend("cuda").build());
             EngineHandle gpuAgain = SharedEngines.acquire(EngineConfig.builder(MODEL).backend("cuda:0").build());
             EngineHandle split = SharedEngines.acquire(EngineConfig.builder(MODEL).backend("cuda:0,cuda:1").build())) {
            assertSame(cpu.engine(), cpuAgain.engine());
            assertSame(gpu.engine(), gpuAgain.engine());
            assertNotSame(cpu.engine(), gpu.engine());
            assertNotSame(gpu.engine(), split.engine());
        } finally {
            SharedEngines.useFactory(previous);
        }
    }

    @Test
    void anEngineOnAnAbsentGpuFailsWithTheOneLineReason() {
        Optional<String> reason = CudaStatus.current().reason();
        assumeTrue(reason.isPresent(), "CUDA is usable here");
        EngineConfig config = EngineConfig.builder(LlamaEngineTest.STORIES).backend("cuda").kvCacheBytes(8L << 20)
                .build();
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> LlamaEngine.open(config));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(reason.get()), e.getMessage() + " vs " + reason.get());
    }
}
