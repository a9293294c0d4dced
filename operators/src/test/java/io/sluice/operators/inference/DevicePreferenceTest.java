package io.sluice.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertThrows(IllegalArgumentException.class, () -> new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, false,
                true, null, false, 3, "exact", "tpu"));
        assertEquals(io.sluice.tensor.Device.cuda(3), new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, false, true,
                null, false, 3, "exact", "cuda").toConfig(Device.gpu(3)).device());
    }
}
