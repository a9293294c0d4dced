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
 * @param memoryClockKhz the memory clock the driver reports, in kHz
 * @param busWidthBits the width of the memory bus, in bits
 */
public record CudaDeviceInfo(int index, String name, long totalMemory, int major, int minor, int multiprocessors,
        int memoryClockKhz, int busWidthBits) {

    /**
     * Peak memory bandwidth in bytes per second: two transfers per clock over the whole bus (the formula of
     * NVIDIA's deviceQuery; 3.35 TB/s for an H100 SXM). What decode speed is judged against.
     */
    public double peakBandwidth() {
        return 2.0 * memoryClockKhz * 1000.0 * busWidthBits / 8.0;
    }

    public String computeCapability() {
        return major + "." + minor;
    }

    /** "cuda:0  NVIDIA H200  139.8 GiB  compute 9.0  132 SMs  4.8 TB/s". */
    public String describe() {
        return String.format("cuda:%d  %s  %.1f GiB  compute %s  %d SMs  %.1f TB/s", index, name,
                totalMemory / (double) (1L << 30), computeCapability(), multiprocessors, peakBandwidth() / 1e12);
    }
}
