package io.sluice.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code model.device}: its forms, and which device a slot opens its engine on for each. */
class DevicePreferenceTest {

    @Test
    void eachFormChoosesItsDevice() {
        DevicePreference auto = DevicePreference.parse("auto");
        assertTrue(auto.claimsGpu());
        assertEquals(Device.gpu(1), auto.target(Device.gpu(1)));
        assertEquals(Device.CPU, auto.target(Device.CPU));

        DevicePreference cpu = DevicePreference.parse("CPU");
        assertFalse(cpu.claimsGpu());
        assertEquals(Device.CPU, cpu.target(Device.gpu(1)));

        DevicePreference cuda = DevicePreference.parse("cuda");
        assertTrue(cuda.claimsGpu());
        assertEquals(Device.gpu(1), cuda.target(Device.gpu(1)));
        assertEquals(Device.gpu(0), cuda.target(Device.CPU)); // a TaskManager that declares no GPU

        DevicePreference pinned = DevicePreference.parse("cuda:2");
        assertFalse(pinned.claimsGpu());
        assertEquals(Device.gpu(2), pinned.target(Device.CPU));
        assertEquals("cuda:2", pinned.toString());
    }

    @Test
    void otherFormsAreRefusedNamingTheAcceptedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DevicePreference.parse("gpu0"));
        assertEquals("device 'gpu0' is not one of auto, cpu, cuda, cuda:N", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, KvType.F32,
                true, null, false, 3, "exact", "tpu"));
        assertEquals(io.sluice.tensor.Device.cuda(3), new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, KvType.F32, true,
                null, false, 3, "exact", "cuda").toConfig(Device.gpu(3)).device());
    }

    @Test
    void aListOfGpusPinsThemAndSplitsTheLayersOverThem() {
        DevicePreference split = DevicePreference.parse("cuda:2,cuda:0");
        assertEquals(new DevicePreference(DevicePreference.Mode.CUDA, 2, List.of(2, 0)), split);
        assertEquals("cuda:2,cuda:0", split.toString());
        assertEquals(false, split.claimsGpu());
        assertEquals(Device.gpu(2), split.target(Device.CPU));
        assertEquals(List.of(2, 0), split.gpus(Device.gpu(2)));
        assertEquals(List.of(io.sluice.tensor.Device.cuda(2), io.sluice.tensor.Device.cuda(0)),
                new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, KvType.F16, true, null, false, 3, "exact",
                        "cuda:2,cuda:0").toConfig(Device.gpu(2)).devices());
        assertEquals(List.of(io.sluice.tensor.Device.CPU), new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25,
                KvType.F16, true, null, false, 3, "exact", "cuda:2,cuda:0").toConfig(Device.CPU).devices());
        assertThrows(IllegalArgumentException.class, () -> DevicePreference.parse("cpu:1,cpu:2"));
        assertThrows(IllegalArgumentException.class, () -> DevicePreference.parse("cuda:1,cuda:1"));
    }
}
