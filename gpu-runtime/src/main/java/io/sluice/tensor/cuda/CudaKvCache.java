package io.sluice.tensor.cuda;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import jcuda.driver.CUdeviceptr;

/**
 * The paged KV cache in device memory. Per layer: keys, then values, each {@code slots × kvDim} entries of the
 * {@link KvType}, and for 8-bit one float scale per 32 entries after them. The block manager above is the
 * CPU's; only the bytes live here. Closing gives them back to the GPU's budget.
 */
final class CudaKvCache extends KvCacheStorage {
    private final CudaCompute owner;
    private final KvType type;
    private final CUdeviceptr base;
    private final long bytes;

    CudaKvCache(CudaCompute owner, int numBlocks, int blockSize, int layers, int kvDim, KvType type,
            CUdeviceptr base) {
        super(numBlocks, blockSize, layers, kvDim);
        this.owner = owner;
        this.type = type;
        this.base = base;
        this.bytes = totalBytes(numBlocks, blockSize, layers, kvDim, type);
    }

    static long totalBytes(int numBlocks, int blockSize, int layers, int kvDim, KvType type) {
        return numBlocks * DeviceMemoryPlan.kvBlockBytes(blockSize, layers, kvDim, type);
    }

    @Override
    public KvType type() {
        return type;
    }

    @Override
    protected void free() {
        owner.release(base, bytes);
    }

    boolean belongsTo(CudaCompute backend) {
        return owner == backend;
    }

    /** "f32", "f16" or "q8": the suffix of the kernels {@code kv_write_*} and {@code attention_*}. */
    String kernelSuffix() {
        return type.toString();
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
        return type.entryBytes();
    }

    private long layerBytes() {
        return 2 * slots() * type.rowBytes(kvDim);
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
