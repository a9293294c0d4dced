package io.sluice.tensor.cuda;

import io.sluice.kv.KvCacheStorage;
import jcuda.driver.CUdeviceptr;

/**
 * The paged KV cache in device memory. Per layer: keys, then values, each {@code slots × kvDim} entries
 * (fp16, or int8 when 8-bit), and for 8-bit one float scale per 32 entries after them. The block manager above
 * is the CPU's; only the bytes live here.
 */
final class CudaKvCache extends KvCacheStorage {
    private final boolean q8;
    private final CUdeviceptr base;
    private final long bytes;

    CudaKvCache(int numBlocks, int blockSize, int layers, int kvDim, boolean q8, CUdeviceptr base) {
        super(numBlocks, blockSize, layers, kvDim);
        this.q8 = q8;
        this.base = base;
        this.bytes = totalBytes(numBlocks, blockSize, layers, kvDim, q8);
    }

    static long totalBytes(int numBlocks, int blockSize, int layers, int kvDim, boolean q8) {
        return numBlocks * DeviceMemoryPlan.kvBlockBytes(blockSize, layers, kvDim, q8);
    }

    @Override
    public boolean isQuantized() {
        return q8;
    }

    long deviceBytes() {
        return bytes;
    }

    CUdeviceptr base() {
        return base;
    }

    private long slots() {
        return (long) numBlocks * blockSize;
    }

    private long entryBytes() {
        return q8 ? 1 : 2;
    }

    private long layerBytes() {
        long values = slots() * kvDim;
        return 2 * values * entryBytes() + (q8 ? 2 * 4 * values / 32 : 0);
    }

    /** Keys of {@code layer}. */
    CUdeviceptr keys(int layer) {
        return base.withByteOffset(layer * layerBytes());
    }

    CUdeviceptr values(int layer) {
        return base.withByteOffset(layer * layerBytes() + slots() * kvDim * entryBytes());
    }

    /** 8-bit only: the key scales of {@code layer}. */
    CUdeviceptr keyScales(int layer) {
        return base.withByteOffset(layer * layerBytes() + 2 * slots() * kvDim);
    }

    CUdeviceptr valueScales(int layer) {
        return base.withByteOffset(layer * layerBytes() + 2 * slots() * kvDim + 4 * slots() * kvDim / 32);
    }
}
