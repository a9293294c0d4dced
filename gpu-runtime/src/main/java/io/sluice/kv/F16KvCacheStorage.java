package io.sluice.kv;

import io.sluice.tensor.Kernels;
import io.sluice.tensor.cpu.HalfNarrower;
import io.sluice.tensor.cpu.HalfWidener;
import java.util.Arrays;

/**
 * Keys and values rounded to half precision (to nearest, ties to even), 2 bytes per value. Attention decodes a
 * block's run of keys or values to floats (exact) and then computes as {@link F32KvCacheStorage} does, so its
 * results are those of an F32 cache holding the rounded values.
 */
final class F16KvCacheStorage extends HostKvCacheStorage {

    /** Per thread: one block's run of decoded keys or values, grown to the largest seen. */
    private static final ThreadLocal<float[][]> DECODED = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private final short[][] keys;
    private final short[][] values;

    F16KvCacheStorage(int numBlocks, int blockSize, int layers, int kvDim) {
        super(numBlocks, blockSize, layers, kvDim);
        int length = numBlocks * blockSize * kvDim;
        keys = new short[layers][length];
        values = new short[layers][length];
    }

    @Override
    public KvType type() {
        return KvType.F16;
    }

    @Override
    protected void free() {
        Arrays.fill(keys, null);
        Arrays.fill(values, null);
    }

    @Override
    public void write(int layer, int slot, float[] k, int kOffset, float[] v, int vOffset) {
        checkSlot(slot);
        HalfNarrower narrower = HalfNarrower.active();
        narrower.narrow(k, kOffset, keys[layer], slot * kvDim, kvDim);
        narrower.narrow(v, vOffset, values[layer], slot * kvDim, kvDim);
    }

    @Override
    public float dotKey(int layer, int slot, int headOffset, float[] q, int qOffset, int len) {
        float[] row = decode(keys[layer], slot * kvDim + headOffset, 1, len);
        return Kernels.dot(q, qOffset, row, 0, len);
    }

    @Override
    public void addValue(int layer, int slot, int headOffset, float weight, float[] out, int outOffset, int len) {
        float[] row = decode(values[layer], slot * kvDim + headOffset, 1, len);
        Kernels.axpy(weight, row, 0, out, outOffset, len);
    }

    @Override
    public void dotKeys(int layer, int firstSlot, int count, int headOffset, float[] q, int qOffset, int len,
            float[] out, int outOffset) {
        float[] run = decode(keys[layer], firstSlot * kvDim + headOffset, count, len);
        Kernels.dots(q, qOffset, run, 0, len, count, len, out, outOffset);
    }

    @Override
    public void addValues(int layer, int firstSlot, int count, int headOffset, float[] w, int wOffset, float[] out,
            int outOffset, int len) {
        float[] run = decode(values[layer], firstSlot * kvDim + headOffset, count, len);
        Kernels.axpys(w, wOffset, run, 0, len, count, out, outOffset, len);
    }

    /** {@code count} slots' {@code len} values from {@code from} (slots {@code kvDim} apart), packed {@code len} apart. */
    private float[] decode(short[] src, int from, int count, int len) {
        float[][] cached = DECODED.get();
        if (cached[0].length < count * len) {
            cached[0] = new float[count * len];
        }
        float[] out = cached[0];
        HalfWidener widener = HalfWidener.active();
        for (int t = 0; t < count; t++) {
            widener.widen(src, from + t * kvDim, out, t * len, len);
        }
        return out;
    }

    @Override
    public short[] layerKeys(int layer) {
        return keys[layer];
    }

    @Override
    public short[] layerValues(int layer) {
        return values[layer];
    }

    @Override
    public void copyBlock(int src, int dst) {
        int length = blockSize * kvDim;
        for (int l = 0; l < layers; l++) {
            System.arraycopy(keys[l], src * length, keys[l], dst * length, length);
            System.arraycopy(values[l], src * length, values[l], dst * length, length);
        }
    }
}
