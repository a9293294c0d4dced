package io.sluice.tensor.cuda;

/**
 * How a device KV cache stores values: F32 as the CPU backend (what the seam's full-precision cache means, so
 * the two backends' log-probabilities stay within 1e-3), F16 at half the memory, or 8-bit blocks of 32 values
 * with one float scale each. The kernels exist for all three; the seam's {@code q8} flag chooses F32 or Q8.
 */
public enum CudaKvType {
    F32(4),
    F16(2),
    Q8(1);

    private final int entryBytes;

    CudaKvType(int entryBytes) {
        this.entryBytes = entryBytes;
    }

    /** Bytes per stored value, scales not included. */
    public int entryBytes() {
        return entryBytes;
    }

    /** Bytes of one token's keys or values of one layer, scales included. */
    public long rowBytes(int kvDim) {
        return (long) entryBytes * kvDim + (this == Q8 ? 4L * (kvDim / 32) : 0);
    }

    /** "f32", the suffix of the kernels {@code kv_write_*} and {@code attention_*}. */
    public String kernelSuffix() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
