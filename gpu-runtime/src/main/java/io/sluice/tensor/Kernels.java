package io.sluice.tensor;

import io.sluice.tensor.cpu.Backends;
import io.sluice.tensor.cpu.FloatKernel;

/**
 * Entry points that split weight products over all cores ({@link Parallel}), plus small float vector
 * operations in the same fixed, reproducible order of operations as the products.
 */
public final class Kernels {
    /** Products smaller than this many multiply-adds run on the calling thread alone. */
    private static final long PARALLEL_THRESHOLD = 1L << 15;
    /** Chunks per thread, so that a busy core delays a product less. */
    private static final int CHUNKS_PER_THREAD = 4;

    private Kernels() {
    }

    /**
     * {@code out} (n × rows, row-major, stride {@code w.rows()}) = {@code x} (n × cols, row-major) · Wᵀ,
     * parallel over weight rows. Bit-identical to {@link WeightTensor#dot} for every element.
     */
    public static void matmul(WeightTensor w, float[] x, int n, float[] out) {
        int rows = w.rows();
        if ((long) n * rows > out.length) {
            throw new IndexOutOfBoundsException("output array of " + out.length + " floats is too small for "
                    + n + " x " + rows);
        }
        int tiles = (rows + WeightTensor.TILE_ROWS - 1) / WeightTensor.TILE_ROWS;
        long work = (long) rows * w.cols() * n;
        int chunks = work < PARALLEL_THRESHOLD ? 1 : Math.min(tiles, Parallel.threads() * CHUNKS_PER_THREAD);
        if (chunks <= 1) {
            w.matmul(x, n, out, rows, 0, 0, rows);
            return;
        }
        Parallel.forRange(tiles, chunks, (t0, t1) -> w.matmul(x, n, out, rows, 0,
                t0 * WeightTensor.TILE_ROWS, Math.min(rows, t1 * WeightTensor.TILE_ROWS)));
    }

    /** {@code out[r] = W[r] · x} for every row r: {@link #matmul} with n = 1. */
    public static void matvec(WeightTensor w, float[] x, float[] out) {
        matmul(w, x, 1, out);
    }

    /**
     * {@code a[aOffset ..] · b[bOffset ..]} over {@code len} elements, in the same order as the weight
     * products (so a dot product of floats here equals an F32 tensor's dot bit for bit).
     */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int len) {
        checkRange(a.length, aOffset, len);
        checkRange(b.length, bOffset, len);
        return floats().dot(a, aOffset, b, bOffset, len);
    }

    /** {@code y[yOffset + k] = fma(alpha, x[xOffset + k], y[yOffset + k])} for {@code k < len}. */
    public static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int len) {
        checkRange(x.length, xOffset, len);
        checkRange(y.length, yOffset, len);
        floats().axpy(alpha, x, xOffset, y, yOffset, len);
    }

    /**
     * {@code out[outOffset + t] = dot(q[qOffset ..], m[base + t * stride ..], len)} for {@code t < count}, each
     * bit-identical to {@link #dot}.
     */
    public static void dots(float[] q, int qOffset, float[] m, int base, int stride, int count, int len,
            float[] out, int outOffset) {
        if (count <= 0) {
            return;
        }
        checkRange(q.length, qOffset, len);
        checkRange(m.length, base, (int) Math.min(Integer.MAX_VALUE, (long) (count - 1) * stride + len));
        checkRange(out.length, outOffset, count);
        floats().dots(q, qOffset, m, base, stride, count, len, out, outOffset);
    }

    /** {@link #axpy} of {@code w[wOffset + t]} and row {@code m[base + t * stride ..]} into y, for t in order. */
    public static void axpys(float[] w, int wOffset, float[] m, int base, int stride, int count, float[] y,
            int yOffset, int len) {
        if (count <= 0) {
            return;
        }
        checkRange(w.length, wOffset, count);
        checkRange(m.length, base, (int) Math.min(Integer.MAX_VALUE, (long) (count - 1) * stride + len));
        checkRange(y.length, yOffset, len);
        floats().axpys(w, wOffset, m, base, stride, count, y, yOffset, len);
    }

    private static FloatKernel floats() {
        return Backends.active().floatKernel();
    }

    private static void checkRange(int length, int offset, int len) {
        if (offset < 0 || len < 0 || (long) offset + len > length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + ((long) offset + len)
                    + ") outside an array of " + length);
        }
    }
}
