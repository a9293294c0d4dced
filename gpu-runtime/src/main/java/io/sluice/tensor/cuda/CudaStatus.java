package io.sluice.tensor.cuda;

import java.util.List;
import java.util.Optional;

/**
 * Whether this process can run the engine on CUDA, and on which devices: the kernels this build carries
 * together with what the driver reported. A pure value, so every refusal has a test without a GPU.
 *
 * @param kernels the build's kernel manifest
 * @param driverFailure why the driver could not be used (empty when it could)
 * @param driverVersion the driver's CUDA version as 1000 * major + 10 * minor (0 when unknown)
 * @param devices the devices the driver enumerated
 */
public record CudaStatus(KernelManifest kernels, String driverFailure, int driverVersion, List<CudaDeviceInfo> devices) {

    public CudaStatus {
        devices = List.copyOf(devices);
    }

    /** This process's status: the jar's manifest and the driver's answer (probed once per process). */
    public static CudaStatus current() {
        return CudaDriver.status(KernelManifest.load());
    }

    /** Why CUDA cannot be used at all, or empty when at least one device can run the kernels. */
    public Optional<String> reason() {
        if (!driverFailure.isEmpty()) {
            return Optional.of(driverFailure);
        }
        if (devices.isEmpty()) {
            return Optional.of("no CUDA device (the NVIDIA driver found none)");
        }
        if (!kernels.hasKernels()) {
            return Optional.of(kernels.describe());
        }
        return Optional.empty();
    }

    /**
     * What {@code sluice devices} prints for CUDA: one line per device and one for the kernels, or one line saying
     * why CUDA cannot be used.
     */
    public List<String> describe() {
        Optional<String> why = reason();
        if (why.isPresent()) {
            return List.of("cuda: not usable: " + why.get());
        }
        List<String> lines = new java.util.ArrayList<>();
        lines.add("cuda: driver CUDA " + CudaDriver.versionString(driverVersion) + ", kernels " + kernels.describe());
        for (CudaDeviceInfo d : devices) {
            String arch = kernels.architectureFor(d.major(), d.minor()).map(a -> "runs sm_" + a + " kernels")
                    .orElse("too old for these kernels");
            lines.add("  " + d.describe() + "  (" + arch + ")");
        }
        return lines;
    }

    /**
     * The device {@code index} and the PTX architecture to load on it.
     *
     * @throws CudaUnavailableException with a one-line reason when CUDA or that device cannot be used
     */
    public Selection select(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
        }
        Optional<String> why = reason();
        if (why.isPresent()) {
            throw new CudaUnavailableException(why.get());
        }
        if (index >= devices.size()) {
            throw new CudaUnavailableException("GPU " + index + " not present (" + devices.size() + " found)");
        }
        CudaDeviceInfo device = devices.get(index);
        Optional<Integer> arch = kernels.architectureFor(device.major(), device.minor());
        if (arch.isEmpty()) {
            throw new CudaUnavailableException("GPU " + index + " (" + device.name() + ") has compute capability "
                    + device.computeCapability() + "; this build's kernels need sm_" + kernels.architectures().get(0)
                    + " or newer");
        }
        return new Selection(device, arch.get());
    }

    /** A usable device and the PTX architecture ({@code 80}, {@code 90}) to load on it. */
    public record Selection(CudaDeviceInfo device, int architecture) {
    }
}
