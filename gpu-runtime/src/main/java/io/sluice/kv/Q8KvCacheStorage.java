package io.sluice.kv;

/**
 * Keys and values in 8-bit blocks of 32 values with one float scale per block, as ggml's Q8_0 rounds them
 * (scale = max|x| / 127, q = round(x / scale)): 1.125 bytes per value instead of 4. Head dimensions must be
 * multiples of 32 so that a head never splits a block.
 */
final class Q8KvCacheStorage extends HostKvCacheStorage {

    static final int BLOCK = KvType.Q8_BLOCK;

    private final byte[][] keyQuants;
    private final float[][] keyScales;
    private final byte[][] valueQuants;
    private final float[][] valueScales;
    private final int blocksPerRow;

    Q8KvCacheStorage(int numBlocks, int blockSize, int layers, int kvDim) {
        super(numBlocks, blockSize, layers, kvDim);
        if (kvDim % BLOCK != 0) {
            throw new IllegalArgumentException("an 8-bit KV cache needs KV widths that are multiples of 32, got " + kvDim);
        }
        blocksPerRow = kvDim / BLOCK;
        int slots = numBlocks * blockSize;
        keyQuants = new byte[layers][slots * kvDim];
        valueQuants = new byte[layers][slots * kvDim];
        keyScales = new float[layers][slots * blocksPerRow];
        valueScales = new float[layers][slots * blocksPerRow];
    }

    @Override
    public KvType type() {
        return KvType.Q8;
    }

    @Override
    protected void free() {
        java.util.Arrays.fill(keyQuants, null);
        java.util.Arrays.fill(valueQuants, null);
        java.util.Arrays.fill(keyScales, null);
        java.util.Arrays.fill(valueScales, null);
    }

    @Override
    public void write(int layer, int slot, float[] k, int kOffset, float[] v, int vOffset) {
        checkSlot(slot);
        quantize(k, kOffset, keyQuants[layer], keyScales[layer], slot);
        quantize(v, vOffset, valueQuants[layer], valueScales[layer], slot);
    }

    private void quantize(float[] x, int offset, byte[] quants, float[] scales, int slot) {
        for (int b = 0; b < blocksPerRow; b++) {
            int from = offset + b * BLOCK;
            float amax = 0f;
            for (int i = 0; i < BLOCK; i++) {
                amax = Math.max(amax, Math.abs(x[from + i]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            scales[slot * blocksPerRow + b] = d;
            int to = slot * kvDim + b * BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                quants[to + i] = (byte) Math.round(x[from + i] * id);
            }
        }
    }

    @Override
    public float dotKey(int layer, int slot, int headOffset, float[] q, int qOffset, int len) {
        byte[] quants = keyQuants[layer];
        float[] scales = keyScales[layer];
        int base = slot * kvDim + headOffset;
        int scaleBase = slot * blocksPerRow + headOffset / BLOCK;
        float sum = 0f;
        for (int b = 0; b < len / BLOCK; b++) {
            float part = 0f;
            int at = base + b * BLOCK;
            int qAt = qOffset + b * BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                part += q[qAt + i] * quants[at + i];
            }
            sum += part * scales[scaleBase + b];
        }
        return sum;
    }

    @Override
    public void addValue(int layer, int slot, int headOffset, float weight, float[] out, int outOffset, int len) {
        byte[] quants = valueQuants[layer];
        float[] scales = valueScales[layer];
        int base = slot * kvDim + headOffset;
        int scaleBase = slot * blocksPerRow + headOffset / BLOCK;
        for (int b = 0; b < len / BLOCK; b++) {
            float w = weight * scales[scaleBase + b];
            int at = base + b * BLOCK;
            int outAt = outOffset + b * BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                out[outAt + i] += w * quants[at + i];
            }
        }
    }

    @Override
    public void copyBlock(int src, int dst) {
        int length = blockSize * kvDim;
        int scaleLength = blockSize * blocksPerRow;
        for (int l = 0; l < layers; l++) {
            System.arraycopy(keyQuants[l], src * length, keyQuants[l], dst * length, length);
            System.arraycopy(valueQuants[l], src * length, valueQuants[l], dst * length, length);
            System.arraycopy(keyScales[l], src * scaleLength, keyScales[l], dst * scaleLength, scaleLength);
            System.arraycopy(valueScales[l], src * scaleLength, valueScales[l], dst * scaleLength, scaleLength);
        }
    }
}
