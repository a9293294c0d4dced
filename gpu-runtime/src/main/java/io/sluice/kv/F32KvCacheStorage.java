package io.sluice.kv;

import io.sluice.tensor.Kernels;

/** Keys and values as floats: exact, 4 bytes per value. One array per layer for keys and one for values. */
final class F32KvCacheStorage extends HostKvCacheStorage {

    private final float[][] keys;
    private final float[][] values;

    F32KvCacheStorage(int numBlocks, int blockSize, int layers, int kvDim) {
        super(numBlocks, blockSize, layers, kvDim);
        int length = numBlocks * blockSize * kvDim;
        keys = new float[layers][length];
        values = new float[layers][length];
    }

    @Override
    public KvType type() {
        return KvType.F32;
    }

    @Override
    protected void free() {
        java.util.Arrays.fill(keys, null);
        java.util.Arrays.fill(values, null);
    }

    @Override
    public void write(int layer, int slot, float[] k, int kOffset, float[] v, int vOffset) {
        checkSlot(slot);
        System.arraycopy(k, kOffset, keys[layer], slot * kvDim, kvDim);
        System.arraycopy(v, vOffset, values[layer], slot * kvDim, kvDim);
    }

    @Override
    public float dotKey(int layer, int slot, int headOffset, float[] q, int qOffset, int len) {
        return Kernels.dot(q, qOffset, keys[layer], slot * kvDim + headOffset, len);
    }

    @Override
    public void addValue(int layer, int slot, int headOffset, float weight, float[] out, int outOffset, int len) {
        Kernels.axpy(weight, values[layer], slot * kvDim + headOffset, out, outOffset, len);
    }

    @Override
    public void dotKeys(int layer, int firstSlot, int count, int headOffset, float[] q, int qOffset, int len,
            float[] out, int outOffset) {
        Kernels.dots(q, qOffset, keys[layer], firstSlot * kvDim + headOffset, kvDim, count, len, out, outOffset);
    }

    @Override
    public void addValues(int layer, int firstSlot, int count, int headOffset, float[] w, int wOffset, float[] out,
            int outOffset, int len) {
        Kernels.axpys(w, wOffset, values[layer], firstSlot * kvDim + headOffset, kvDim, count, out, outOffset, len);
    }

    @Override
    public float[] layerKeys(int layer) {
        return keys[layer];
    }

    @Override
    public float[] layerValues(int layer) {
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
