package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceTest {
    @Test
    void parsesTheAcceptedForms() {
        assertSame(Device.CPU, Device.parse("CPU"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(3), Device.parse(" cuda:3 "));
        assertEquals("cuda:3", Device.cuda(3).toString());
        assertEquals("cpu", Device.CPU.toString());
        assertSame(Device.CPU, Device.parse("cpu:0"));
        assertEquals(Device.cpu(2), Device.parse("cpu:2"));
        assertEquals("cpu:2", Device.cpu(2).toString());
        for (String bad : new String[] {"", "gpu", "cuda:", "cuda:-1", "cuda:x", "cpu:-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
            assertTrue(e.getMessage().contains("cpu, cpu:N, cuda, cuda:N"), e.getMessage());
        }
    }

    @Test
    void parsesTheDevicesOfALayerSplit() {
        assertEquals(List.of(Device.cuda(0), Device.cuda(1)), Device.parseList("cuda:0, cuda:1"));
        assertEquals(List.of(Device.CPU), Device.parseList("cpu"));
        assertEquals(List.of(Device.cpu(1), Device.CPU), Device.parseList("cpu:1,cpu"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Device.parseList("cuda:0,cuda"))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Device.parseList("cpu,cuda:1"))
                .getMessage().contains("one kind"));
        assertThrows(IllegalArgumentException.class, () -> Device.parseList("cuda:0,"));
    }

    @Test
    void eachCpuDeviceIsABackendOfItsOwn() {
        ComputeBackend first = ComputeBackends.open(Device.cpu(1));
        assertSame(first, ComputeBackends.open(Device.cpu(1)));
        assertEquals(Device.cpu(1), first.device());
        assertTrue(first != ComputeBackends.open(Device.CPU));
    }

    @Test
    void theCpuBackendIsAlwaysThere() {
        assertSame(Device.CPU, ComputeBackends.open(Device.CPU).device());
        // The CUDA provider is in this build: its refusals without a GPU are tested in tensor.cuda.
    }
}
