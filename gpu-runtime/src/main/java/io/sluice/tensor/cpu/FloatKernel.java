package io.sluice.tensor.cpu;

/**
 * The float arithmetic under every weight product, with one fixed order of operations so that results
 * are reproducible bit for bit. A dot product of length {@code len} over weights {@code w} and activations
 * {@code x} is, by definition:
 * <ol>
 *   <li>eight lane accumulators {@code a[0..7] = +0}; for {@code k < len8 = len - len % 8}:
 *       {@code a[k % 8] = fma(w[k], x[k], a[k % 8])}, in increasing {@code k};</li>
 *   <li>{@code s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))} ({@link LaneSum});</li>
 *   <li>for {@code k} from {@code len8} to {@code len}: {@code s = fma(w[k], x[k], s)}.</li>
 * </ol>
 * Implementations differ only in speed (vector or scalar code); the accumulator state of step 1 may be
 * carried across calls in an array, which does not change any bit.
 */
public interface FloatKernel {
    /**
     * Step 1 for a tile: for each weight row {@code r < rows} (at {@code w[r * wStride ..]}) and activation
     * row {@code i < n} (at {@code x[xOffset + i * xStride ..]}), continues the eight lane accumulators at
     * {@code acc[(r * n + i) * 8 ..]} over the next {@code len} elements ({@code len} a multiple of 8).
     */
    void accumulate(float[] w, int wStride, int rows, float[] x, int xOffset, int xStride, int n, int len,
            float[] acc);

    /**
     * Step 1 for one activation row against {@code rows} weight rows in place (row r at
     * {@code w[wOffset + r * wStride ..]}): continues the lane accumulators at {@code acc[r * 8 ..]} over
     * {@code len} elements (a multiple of 8) of {@code x[xOffset ..]}, bit-identical to {@link #accumulate} with
     * {@code n = 1} over the same floats. Spares a decode step the copy of float weight rows into a scratch.
     */
    default void accumulateRows(float[] w, int wOffset, int wStride, int rows, float[] x, int xOffset, int len,
            float[] acc) {
        for (int r = 0; r < rows; r++) {
            int wr = wOffset + r * wStride;
            for (int lane = 0; lane < LaneSum.LANES; lane++) {
                float s = acc[r * LaneSum.LANES + lane];
                for (int k = lane; k < len; k += LaneSum.LANES) {
                    s = Math.fma(w[wr + k], x[xOffset + k], s);
                }
                acc[r * LaneSum.LANES + lane] = s;
            }
        }
    }

    /**
     * {@code out[outOffset + r] = dot(w[wOffset + r * wStride ..], x[xOffset ..], len)} for {@code r < rows}: one
     * activation row against weight rows in place, each value bit-identical to {@link #dot}. {@code scratch}
     * holds at least 64 floats.
     */
    default void dotRows(float[] w, int wOffset, int wStride, int rows, float[] x, int xOffset, int len,
            float[] out, int outOffset, float[] scratch) {
        for (int r = 0; r < rows; r++) {
            out[outOffset + r] = dot(w, wOffset + r * wStride, x, xOffset, len);
        }
    }

    /** The whole dot product (steps 1 to 3) of {@code a[aOffset ..]} and {@code b[bOffset ..]}. */
    float dot(float[] a, int aOffset, float[] b, int bOffset, int len);

    /** {@code y[yOffset + k] = fma(alpha, x[xOffset + k], y[yOffset + k])} for {@code k < len}. */
    void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int len);

    /**
     * {@code out[outOffset + t] = dot(q[qOffset ..], m[base + t * stride ..], len)} for {@code t < count}: the
     * dot products of one vector with {@code count} rows of a strided matrix (attention scores over a run of
     * KV slots), each bit-identical to {@link #dot}.
     */
    default void dots(float[] q, int qOffset, float[] m, int base, int stride, int count, int len, float[] out,
            int outOffset) {
        for (int t = 0; t < count; t++) {
            out[outOffset + t] = dot(q, qOffset, m, base + t * stride, len);
        }
    }

    /**
     * {@code axpy(w[wOffset + t], m[base + t * stride ..], y[yOffset ..], len)} for {@code t} in increasing
     * order: a weighted sum of {@code count} rows of a strided matrix (attention's values over a run of slots).
     */
    default void axpys(float[] w, int wOffset, float[] m, int base, int stride, int count, float[] y, int yOffset,
            int len) {
        for (int t = 0; t < count; t++) {
            axpy(w[wOffset + t], m, base + t * stride, y, yOffset, len);
        }
    }
}
