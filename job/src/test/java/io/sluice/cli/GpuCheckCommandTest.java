package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GpuCheckCommandTest {

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    @Test
    void withoutAGpuItSaysWhyInOneLineAndExits2() {
        assumeFalse(Files.exists(Path.of("/dev/nvidiactl")), "an NVIDIA driver is present here");
        assertEquals(2, cli.run("gpu-check"));
        assertEquals("sluice: gpu-check needs a usable GPU: no NVIDIA driver (libcuda.so.1 not found)\n", cli.stderr());
        assertEquals("", cli.stdout());
    }

    /** The bundle's entry point (tools/gpu-bundle.sh), which loads no other command, says the same. */
    @Test
    void theBundleEntryPointSaysTheSame() {
        assumeFalse(Files.exists(Path.of("/dev/nvidiactl")), "an NVIDIA driver is present here");
        assertEquals(2, GpuCheckMain.execute());
        assertEquals("sluice: gpu-check needs a usable GPU: no NVIDIA driver (libcuda.so.1 not found)\n", cli.stderr());
    }

    /** {@code sluice devices} ends with the CUDA section: here, why CUDA is not usable. */
    @Test
    void devicesSaysWhyCudaIsNotUsable() {
        assumeFalse(Files.exists(Path.of("/dev/nvidiactl")), "an NVIDIA driver is present here");
        assertEquals(0, cli.run("devices"), cli.stderr());
        assertTrue(cli.stdout().endsWith("cuda: not usable: no NVIDIA driver (libcuda.so.1 not found)\n"), cli.stdout());
    }

    @Test
    void refusesTheCpuAsItsDevice() {
        assertEquals(2, cli.run("gpu-check", "--device", "cpu"));
        assertEquals("sluice: gpu-check runs on a CUDA device (cuda or cuda:N), not cpu\n", cli.stderr());
        assertEquals(2, cli.run("gpu-check", "--device", "gpu7"));
        assertEquals("sluice: device 'gpu7' is not one of cpu, cpu:N, cuda, cuda:N\n", cli.stderr());
    }
}
