package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.sluice.model.LlamaModel;
import io.sluice.tensor.ComputeBackends;
import io.sluice.tensor.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Without an NVIDIA driver the CUDA backend is found but refuses with one line; the CPU backend still works. */
class CudaBackendUnavailableTest {

    private static final Path STORIES = Path.of("src/test/resources/models/stories260K.gguf");

    @Test
    void openingAGpuSaysThereIsNoDriver() {
        assumeFalse(Files.exists(Path.of("/dev/nvidiactl")), "an NVIDIA driver is present here");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ComputeBackends.open(Device.cuda(0)));
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", e.getMessage());
        IllegalStateException load = assertThrows(IllegalStateException.class, () -> LlamaModel.load(STORIES, Device.cuda(1)));
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", load.getMessage());
        try (LlamaModel cpu = LlamaModel.load(STORIES, Device.CPU)) {
            assertEquals(Device.CPU, cpu.backend().device());
        }
    }

    @Test
    void aBadMemoryFractionIsNamed() {
        String old = System.setProperty(CudaComputeProvider.FRACTION_PROPERTY, "most");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CudaComputeProvider::fraction);
            assertEquals("sluice.gpu-memory-fraction must be a number in (0, 1], got 'most'", e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(CudaComputeProvider.FRACTION_PROPERTY);
            } else {
                System.setProperty(CudaComputeProvider.FRACTION_PROPERTY, old);
            }
        }
        assertEquals(0.9, CudaComputeProvider.fraction());
    }
}
