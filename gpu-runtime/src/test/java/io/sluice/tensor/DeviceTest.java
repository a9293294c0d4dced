package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceTest {
    @Test
    void parsesTheAcceptedForms() {
        assertSame(Device.CPU, Device.parse("CPU"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(3), Device.parse(" cuda:3 "));
        assertEquals("cuda:3", Device.cuda(3).toString());
        assertEquals("cpu", Device.CPU.toString());
        for (String bad : new String[] {"", "gpu", "cuda:", "cuda:-1", "cuda:x", "cpu:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
            assertTrue(e.getMessage().contains("cpu, cuda, cuda:N"), e.getMessage());
        }
    }

    @Test
    void theCpuBackendIsAlwaysThere() {
        assertSame(Device.CPU, ComputeBackends.open(Device.CPU).device());
        // The CUDA provider is in this build: its refusals without a GPU are tested in tensor.cuda.
    }
}
