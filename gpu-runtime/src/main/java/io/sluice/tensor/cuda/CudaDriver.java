package io.sluice.tensor.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Asks the NVIDIA driver, once per process, which devices there are. Loading JCuda's native library fails
 * when the driver's libcuda is absent; that failure becomes the reason string, never an exception.
 */
final class CudaDriver {

    /** The oldest driver JCuda 12's driver library works with: CUDA 12.0. */
    static final int MIN_DRIVER_VERSION = 12000;

    private static volatile Probe probe;

    private CudaDriver() {
    }

    /** What the driver said, as recorded by the first call in this process. */
    record Probe(String failure, int version, List<CudaDeviceInfo> devices) {
    }

    static CudaStatus status(KernelManifest kernels) {
        Probe p = probe();
        return new CudaStatus(kernels, p.failure(), p.version(), p.devices());
    }

    static Probe probe() {
        Probe p = probe;
        if (p == null) {
            synchronized (CudaDriver.class) {
                p = probe;
                if (p == null) {
                    p = probeNow();
                    probe = p;
                }
            }
        }
        return p;
    }

    private static Probe probeNow() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int[] version = new int[1];
            int rc = JCudaDriver.cuDriverGetVersion(version);
            if (rc != CUresult.CUDA_SUCCESS) {
                return failed("the NVIDIA driver did not report its version: " + CUresult.stringFor(rc));
            }
            if (version[0] < MIN_DRIVER_VERSION) {
                return new Probe("the NVIDIA driver supports CUDA " + versionString(version[0])
                        + "; this build needs CUDA " + versionString(MIN_DRIVER_VERSION) + " or newer", version[0], List.of());
            }
            rc = JCudaDriver.cuInit(0);
            if (rc == CUresult.CUDA_ERROR_NO_DEVICE) {
                return new Probe("", version[0], List.of());
            }
            if (rc != CUresult.CUDA_SUCCESS) {
                return new Probe("CUDA initialisation failed: " + CUresult.stringFor(rc), version[0], List.of());
            }
            int[] count = new int[1];
            check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
            List<CudaDeviceInfo> devices = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                devices.add(describe(i));
            }
            return new Probe("", version[0], devices);
        } catch (LinkageError e) {
            return failed(reasonFor(e));
        } catch (CudaUnavailableException e) {
            return failed(e.getMessage());
        }
    }

    private static Probe failed(String why) {
        return new Probe(why, 0, List.of());
    }

    private static CudaDeviceInfo describe(int index) {
        CUdevice device = new CUdevice();
        check(JCudaDriver.cuDeviceGet(device, index), "cuDeviceGet");
        byte[] name = new byte[256];
        check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        long[] memory = new long[1];
        check(JCudaDriver.cuDeviceTotalMem(memory, device), "cuDeviceTotalMem");
        return new CudaDeviceInfo(index, cString(name), memory[0],
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE),
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH));
    }

    private static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        check(JCudaDriver.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute");
        return value[0];
    }

    static void check(int rc, String call) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new CudaUnavailableException("CUDA initialisation failed: " + call + " returned " + CUresult.stringFor(rc));
        }
    }

    static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    static String versionString(int version) {
        return version / 1000 + "." + (version % 1000) / 10;
    }

    /**
     * One line for a failure to load JCuda's driver library. JCuda reports every attempt in one long message;
     * a missing {@code libcuda.so.1} (the driver's library) means there is no NVIDIA driver.
     */
    static String reasonFor(Throwable e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("libcuda.so")) {
            return "no NVIDIA driver (libcuda.so.1 not found)";
        }
        String first = message.lines().findFirst().orElse(message).trim();
        if (e instanceof NoClassDefFoundError) {
            return "the CUDA driver library could not be loaded earlier in this JVM: " + first;
        }
        return "the CUDA driver library could not be loaded: " + first;
    }
}
