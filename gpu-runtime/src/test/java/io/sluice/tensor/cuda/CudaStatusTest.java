package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CudaStatusTest {

    private static final KernelManifest KERNELS = new KernelManifest(List.of(80, 90), "release 13.0", "");
    private static final KernelManifest NONE = new KernelManifest(List.of(), "",
            "nvcc was not on the PATH when this jar was built");
    private static final CudaDeviceInfo H200 = new CudaDeviceInfo(0, "NVIDIA H200", 150_000_000_000L, 9, 0, 132, 3_201_000, 6144);
    private static final CudaDeviceInfo T4 = new CudaDeviceInfo(1, "Tesla T4", 16_000_000_000L, 7, 5, 40, 5_001_000, 256);

    private static String refusal(CudaStatus status, int index) {
        return assertThrows(CudaUnavailableException.class, () -> status.select(index)).getMessage();
    }

    @Test
    void noDriver() {
        CudaStatus s = new CudaStatus(KERNELS, "no NVIDIA driver (libcuda.so.1 not found)", 0, List.of());
        assertEquals(Optional.of("no NVIDIA driver (libcuda.so.1 not found)"), s.reason());
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", refusal(s, 0));
    }

    @Test
    void noKernels() {
        CudaStatus s = new CudaStatus(NONE, "", 13000, List.of(H200));
        assertEquals("no CUDA kernels in this build (nvcc was not on the PATH when this jar was built)", refusal(s, 0));
    }

    @Test
    void noDevice() {
        assertEquals("no CUDA device (the NVIDIA driver found none)", refusal(new CudaStatus(KERNELS, "", 13000, List.of()), 0));
    }

    @Test
    void missingGpu() {
        CudaStatus s = new CudaStatus(KERNELS, "", 13000, List.of(H200));
        assertEquals("GPU 3 not present (1 found)", refusal(s, 3));
        assertThrows(IllegalArgumentException.class, () -> s.select(-1));
    }

    @Test
    void tooOldAGpu() {
        CudaStatus s = new CudaStatus(KERNELS, "", 13000, List.of(H200, T4));
        assertEquals("GPU 1 (Tesla T4) has compute capability 7.5; this build's kernels need sm_80 or newer", refusal(s, 1));
    }

    @Test
    void selectsTheArchitectureOfTheDevice() {
        CudaStatus s = new CudaStatus(KERNELS, "", 13000, List.of(H200));
        assertEquals(Optional.empty(), s.reason());
        assertEquals(new CudaStatus.Selection(H200, 90), s.select(0));
        assertEquals("cuda:0  NVIDIA H200  139.7 GiB  compute 9.0  132 SMs  4.9 TB/s", H200.describe());
    }

    @Test
    void describesDevicesOrWhyNot() {
        assertEquals(List.of("cuda: driver CUDA 13.0, kernels sm_80, sm_90 (release 13.0)",
                "  cuda:0  NVIDIA H200  139.7 GiB  compute 9.0  132 SMs  4.9 TB/s  (runs sm_90 kernels)",
                "  cuda:1  Tesla T4  14.9 GiB  compute 7.5  40 SMs  0.3 TB/s  (too old for these kernels)"),
                new CudaStatus(KERNELS, "", 13000, List.of(H200, T4)).describe());
        assertEquals(List.of("cuda: not usable: no NVIDIA driver (libcuda.so.1 not found)"),
                new CudaStatus(KERNELS, "no NVIDIA driver (libcuda.so.1 not found)", 0, List.of()).describe());
    }

    @Test
    void aMissingLibcudaReadsAsNoDriver() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.0.0-linux-x86_64\"\n"
                + "...\njava.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.0.0-linux-x86_64.so: libcuda.so.1: cannot open"
                + " shared object file: No such file or directory");
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", CudaDriver.reasonFor(e));
        assertEquals("the CUDA driver library could not be loaded: wrong ELF class",
                CudaDriver.reasonFor(new UnsatisfiedLinkError("wrong ELF class\nmore")));
    }

    /** This machine has no NVIDIA driver: the probe says so, and opening a GPU refuses with the same line. */
    @Test
    void onAMachineWithoutTheDriver() {
        assumeFalse(Files.exists(Path.of("/dev/nvidiactl")), "an NVIDIA driver is present here");
        CudaStatus s = CudaStatus.current();
        assertEquals(Optional.of("no NVIDIA driver (libcuda.so.1 not found)"), s.reason());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CudaDevice.open(0));
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", e.getMessage());
        assertTrue(s.devices().isEmpty());
    }
}
