package io.sluice.tensor;

import io.sluice.tensor.cpu.LaneSum;

/**
 * Per-thread working memory of the tiled product: the stored bytes of one tile of rows, a chunk of their
 * decoded weights (small enough for the L1 cache) and the lane accumulators of all (weight row, activation
 * row) pairs of the tile.
 */
final class TileScratch {
    private static final ThreadLocal<TileScratch> CACHED = ThreadLocal.withInitial(TileScratch::new);

    final float[] weights = new float[WeightTensor.TILE_ROWS * WeightTensor.CHUNK];
    final float[] single = new float[1];
    float[] acc = new float[WeightTensor.TILE_ROWS * LaneSum.LANES];
    private byte[] bytes = new byte[0];
    private boolean busy;

    /** This thread's scratch, or a fresh one when it is in use further up the stack. */
    static TileScratch acquire(int n) {
        TileScratch s = CACHED.get();
        if (s.busy) {
            s = new TileScratch();
        }
        s.busy = true;
        int accLength = WeightTensor.TILE_ROWS * Math.max(n, 1) * LaneSum.LANES;
        if (s.acc.length < accLength) {
            s.acc = new float[accLength];
        }
        return s;
    }

    /** The byte array for stored weights copied off the buffer, grown to at least {@code length} bytes. */
    byte[] bytes(int length) {
        if (bytes.length < length) {
            bytes = new byte[length];
        }
        return bytes;
    }

    void release() {
        busy = false;
    }
}
