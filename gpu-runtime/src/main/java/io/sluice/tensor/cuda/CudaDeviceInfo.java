package io.sluice.tensor.cuda;

/**
 * One CUDA device as the driver describes it.
 *
 * @param index the driver's ordinal (as {@code CUDA_VISIBLE_DEVICES} numbers them)
 * @param name e.g. "NVIDIA H200"
 * @param totalMemory bytes of device memory
 * @param major compute capability, major
 * @param minor compute capability, minor
 * @param multiprocessors streaming multiprocessor count
 */
public record CudaDeviceInfo(int index, String name, long totalMemory, int major, int minor, int multiprocessors) {

    public String computeCapability() {
        return major + "." + minor;
    }

    /** "cuda:0  NVIDIA H200  139.8 GiB  compute 9.0  132 SMs". */
    public String describe() {
        return String.format("cuda:%d  %s  %.1f GiB  compute %s  %d SMs", index, name,
                totalMemory / (double) (1L << 30), computeCapability(), multiprocessors);
    }
}
