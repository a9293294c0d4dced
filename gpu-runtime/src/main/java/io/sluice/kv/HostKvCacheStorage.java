package io.sluice.kv;

/**
 * KV memory in Java arrays, for the CPU backend: attention reads slots through {@link #dotKey} and
 * {@link #addValue} so that the storage precision (F32 or 8-bit blocks) stays behind this class.
 */
public abstract class HostKvCacheStorage extends KvCacheStorage {

    protected HostKvCacheStorage(int numBlocks, int blockSize, int layers, int kvDim) {
        super(numBlocks, blockSize, layers, kvDim);
    }

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

    /**
     * The array that holds {@code layer}'s keys, slot {@code s} at {@code s * kvDim}, for native attention that
     * reads it in place: {@code float[]} (F32) or {@code short[]} of half-float bits (F16); null where the storage
     * is not one such array (8-bit blocks), which then goes through {@link #dotKeys} alone.
     */
    public Object layerKeys(int layer) {
        return null;
    }

    /** {@link #layerKeys} for the values. */
    public Object layerValues(int layer) {
        return null;
    }

    /** Copies every layer's keys and values of block {@code src} into block {@code dst} (copy-on-write). */
    public abstract void copyBlock(int src, int dst);
}
