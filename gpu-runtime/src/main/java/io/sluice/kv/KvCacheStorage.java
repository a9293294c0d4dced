package io.sluice.kv;

/**
 * The physical key/value memory of a paged KV cache: {@code numBlocks} blocks of {@code blockSize} token
 * slots, each slot holding one token's keys and values for every layer. Slot {@code s} of block {@code b} is
 * global slot {@code b * blockSize + s}. Which sequence owns which block is the block manager's business;
 * attention reads slots through {@link #dotKey} and {@link #addValue} so that the storage precision (F32 or
 * 8-bit blocks) stays behind this class.
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

    /** F32 storage, or 8-bit blocks of 32 values with one scale each when {@code q8}. */
    public static KvCacheStorage allocate(int numBlocks, int blockSize, int layers, int kvDim, boolean q8) {
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

    /** Stores one token's keys and values ({@code kvDim} each) of one layer into {@code slot}. */
    public abstract void write(int layer, int slot, float[] k, int kOffset, float[] v, int vOffset);

    /** The dot product of {@code q[qOffset .. qOffset+len)} with the stored key at {@code headOffset} of the slot. */
    public abstract float dotKey(int layer, int slot, int headOffset, float[] q, int qOffset, int len);

    /** {@code out[outOffset + i] += weight * value[headOffset + i]} for i in [0, len). */
    public abstract void addValue(int layer, int slot, int headOffset, float weight, float[] out, int outOffset, int len);

    /**
     * Attention scores over a run of {@code count} consecutive slots from {@code firstSlot} (within one block):
     * {@code out[outOffset + t] = dotKey(layer, firstSlot + t, ...)}.
     */
    public void dotKeys(int layer, int firstSlot, int count, int headOffset, float[] q, int qOffset, int len,
            float[] out, int outOffset) {
        for (int t = 0; t < count; t++) {
            out[outOffset + t] = dotKey(layer, firstSlot + t, headOffset, q, qOffset, len);
        }
    }

    /** {@link #addValue} for a run of {@code count} consecutive slots, weights {@code w[wOffset + t]}, in order. */
    public void addValues(int layer, int firstSlot, int count, int headOffset, float[] w, int wOffset, float[] out,
            int outOffset, int len) {
        for (int t = 0; t < count; t++) {
            addValue(layer, firstSlot + t, headOffset, w[wOffset + t], out, outOffset, len);
        }
    }

    /** Copies every layer's keys and values of block {@code src} into block {@code dst} (copy-on-write). */
    public abstract void copyBlock(int src, int dst);

    protected final void checkSlot(int slot) {
        if (slot < 0 || slot >= numBlocks * blockSize) {
            throw new IndexOutOfBoundsException("KV slot " + slot + " outside the pool of " + numBlocks * blockSize);
        }
    }
}
