package io.sluice.kv;

/**
 * The physical key/value memory of a paged KV cache: {@code numBlocks} blocks of {@code blockSize} token
 * slots, each slot holding one token's keys and values for every layer. Slot {@code s} of block {@code b} is
 * global slot {@code b * blockSize + s}. Which sequence owns which block is the block manager's business;
 * this class holds only the geometry, which is the same on every backend. Where the bytes live is the backend's
 * business: {@link HostKvCacheStorage} keeps them in Java arrays for the CPU; a device backend subclasses this
 * class with device memory.
 */
public abstract class KvCacheStorage {

    protected final int numBlocks;
    protected final int blockSize;
    protected final int layers;
    protected final int kvDim;

    protected KvCacheStorage(int numBlocks, int blockSize, int layers, int kvDim) {
        if (numBlocks <= 0 || blockSize <= 0 || layers <= 0 || kvDim <= 0) {
            throw new IllegalArgumentException("KV cache dimensions must be positive");
        }
        if ((long) numBlocks * blockSize * kvDim > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks is too large for one layer array;"
                    + " lower the KV memory budget");
        }
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.layers = layers;
        this.kvDim = kvDim;
    }

    /** Host storage: F32, or 8-bit blocks of 32 values with one scale each when {@code q8}. */
    public static HostKvCacheStorage allocate(int numBlocks, int blockSize, int layers, int kvDim, boolean q8) {
        return q8 ? new Q8KvCacheStorage(numBlocks, blockSize, layers, kvDim)
                : new F32KvCacheStorage(numBlocks, blockSize, layers, kvDim);
    }

    /** Bytes one token takes in every layer, keys and values together. */
    public static long bytesPerToken(int layers, int kvDim, boolean q8) {
        long perRow = q8 ? Q8KvCacheStorage.rowBytes(kvDim) : 4L * kvDim;
        return 2L * layers * perRow;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    public int layers() {
        return layers;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Total bytes held. */
    public long bytes() {
        return (long) numBlocks * blockSize * bytesPerToken(layers, kvDim, isQuantized());
    }

    public abstract boolean isQuantized();

    protected final void checkSlot(int slot) {
        if (slot < 0 || slot >= numBlocks * blockSize) {
            throw new IndexOutOfBoundsException("KV slot " + slot + " outside the pool of " + numBlocks * blockSize);
        }
    }
}
