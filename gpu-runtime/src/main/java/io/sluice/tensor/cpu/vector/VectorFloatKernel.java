package io.sluice.tensor.cpu.vector;

import io.sluice.tensor.cpu.FloatKernel;
import io.sluice.tensor.cpu.LaneSum;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link FloatKernel} order with one 256-bit accumulator per (weight row, activation row) pair.
 * Register tiles of 4 weight rows × 2 or 3 activation rows reuse each loaded vector several times; smaller
 * tiles cover the edges. Every pair sees the same sequence of fused multiply-adds whatever tile it falls in.
 */
final class VectorFloatKernel implements FloatKernel {
    static final VectorFloatKernel INSTANCE = new VectorFloatKernel();
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final int L = LaneSum.LANES;
    /**
     * 4 × 3 tiles need 12 accumulators plus 4 operands: they fit the 32 vector registers of AVX-512 CPUs
     * but spill on AVX2's 16, where 4 × 2 tiles run faster (measured). The shape never changes results.
     */
    private static final boolean WIDE_TILES = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;

    @Override
    public void accumulate(float[] w, int wStride, int rows, float[] x, int xOffset, int xStride, int n, int len,
            float[] acc) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int i = 0;
            if (WIDE_TILES) {
                for (; i + 3 <= n; i += 3) {
                    tile4x3(w, r * wStride, wStride, x, xOffset + i * xStride, xStride, len, acc, (r * n + i) * L, n * L);
                }
            }
            for (; i + 2 <= n; i += 2) {
                tile4x2(w, r * wStride, wStride, x, xOffset + i * xStride, xStride, len, acc, (r * n + i) * L, n * L);
            }
            if (i < n) {
                tile4x1(w, r * wStride, wStride, x, xOffset + i * xStride, len, acc, (r * n + i) * L, n * L);
            }
        }
        for (; r < rows; r++) {
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                tile1x4(w, r * wStride, x, xOffset + i * xStride, xStride, len, acc, (r * n + i) * L);
            }
            for (; i < n; i++) {
                tile1x1(w, r * wStride, x, xOffset + i * xStride, len, acc, (r * n + i) * L);
            }
        }
    }

    @Override
    public void accumulateRows(float[] w, int wOffset, int wStride, int rows, float[] x, int xOffset, int len,
            float[] acc) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            tile4x1(w, wOffset + r * wStride, wStride, x, xOffset, len, acc, r * L, L);
        }
        for (; r < rows; r++) {
            tile1x1(w, wOffset + r * wStride, x, xOffset, len, acc, r * L);
        }
    }

    /** Accumulators: pair (row ρ, activation ι) at a + ρ * rs + ι * 8. */
    private static void tile4x3(float[] w, int w0, int ws, float[] x, int x0, int xs, int len, float[] acc, int a,
            int rs) {
        int w1 = w0 + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        int x1 = x0 + xs;
        int x2 = x1 + xs;
        FloatVector a00 = FloatVector.fromArray(F, acc, a);
        FloatVector a01 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a02 = FloatVector.fromArray(F, acc, a + 2 * L);
        FloatVector a10 = FloatVector.fromArray(F, acc, a + rs);
        FloatVector a11 = FloatVector.fromArray(F, acc, a + rs + L);
        FloatVector a12 = FloatVector.fromArray(F, acc, a + rs + 2 * L);
        FloatVector a20 = FloatVector.fromArray(F, acc, a + 2 * rs);
        FloatVector a21 = FloatVector.fromArray(F, acc, a + 2 * rs + L);
        FloatVector a22 = FloatVector.fromArray(F, acc, a + 2 * rs + 2 * L);
        FloatVector a30 = FloatVector.fromArray(F, acc, a + 3 * rs);
        FloatVector a31 = FloatVector.fromArray(F, acc, a + 3 * rs + L);
        FloatVector a32 = FloatVector.fromArray(F, acc, a + 3 * rs + 2 * L);
        for (int k = 0; k < len; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + k);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + k);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + k);
            FloatVector u = FloatVector.fromArray(F, w, w0 + k);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = FloatVector.fromArray(F, w, w1 + k);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            u = FloatVector.fromArray(F, w, w2 + k);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            u = FloatVector.fromArray(F, w, w3 + k);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
        }
        a00.intoArray(acc, a);
        a01.intoArray(acc, a + L);
        a02.intoArray(acc, a + 2 * L);
        a10.intoArray(acc, a + rs);
        a11.intoArray(acc, a + rs + L);
        a12.intoArray(acc, a + rs + 2 * L);
        a20.intoArray(acc, a + 2 * rs);
        a21.intoArray(acc, a + 2 * rs + L);
        a22.intoArray(acc, a + 2 * rs + 2 * L);
        a30.intoArray(acc, a + 3 * rs);
        a31.intoArray(acc, a + 3 * rs + L);
        a32.intoArray(acc, a + 3 * rs + 2 * L);
    }

    private static void tile4x2(float[] w, int w0, int ws, float[] x, int x0, int xs, int len, float[] acc, int a,
            int rs) {
        int w1 = w0 + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        int x1 = x0 + xs;
        FloatVector a00 = FloatVector.fromArray(F, acc, a);
        FloatVector a01 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a10 = FloatVector.fromArray(F, acc, a + rs);
        FloatVector a11 = FloatVector.fromArray(F, acc, a + rs + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, a + 2 * rs);
        FloatVector a21 = FloatVector.fromArray(F, acc, a + 2 * rs + L);
        FloatVector a30 = FloatVector.fromArray(F, acc, a + 3 * rs);
        FloatVector a31 = FloatVector.fromArray(F, acc, a + 3 * rs + L);
        for (int k = 0; k < len; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + k);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + k);
            FloatVector u = FloatVector.fromArray(F, w, w0 + k);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            u = FloatVector.fromArray(F, w, w1 + k);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            u = FloatVector.fromArray(F, w, w2 + k);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            u = FloatVector.fromArray(F, w, w3 + k);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
        }
        a00.intoArray(acc, a);
        a01.intoArray(acc, a + L);
        a10.intoArray(acc, a + rs);
        a11.intoArray(acc, a + rs + L);
        a20.intoArray(acc, a + 2 * rs);
        a21.intoArray(acc, a + 2 * rs + L);
        a30.intoArray(acc, a + 3 * rs);
        a31.intoArray(acc, a + 3 * rs + L);
    }

    private static void tile4x1(float[] w, int w0, int ws, float[] x, int x0, int len, float[] acc, int a, int rs) {
        int w1 = w0 + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        FloatVector a0 = FloatVector.fromArray(F, acc, a);
        FloatVector a1 = FloatVector.fromArray(F, acc, a + rs);
        FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * rs);
        FloatVector a3 = FloatVector.fromArray(F, acc, a + 3 * rs);
        for (int k = 0; k < len; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, x0 + k);
            a0 = FloatVector.fromArray(F, w, w0 + k).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, w1 + k).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, w2 + k).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, w3 + k).fma(v, a3);
        }
        a0.intoArray(acc, a);
        a1.intoArray(acc, a + rs);
        a2.intoArray(acc, a + 2 * rs);
        a3.intoArray(acc, a + 3 * rs);
    }

    private static void tile1x4(float[] w, int w0, float[] x, int x0, int xs, int len, float[] acc, int a) {
        int x1 = x0 + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        FloatVector a0 = FloatVector.fromArray(F, acc, a);
        FloatVector a1 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * L);
        FloatVector a3 = FloatVector.fromArray(F, acc, a + 3 * L);
        for (int k = 0; k < len; k += L) {
            FloatVector u = FloatVector.fromArray(F, w, w0 + k);
            a0 = u.fma(FloatVector.fromArray(F, x, x0 + k), a0);
            a1 = u.fma(FloatVector.fromArray(F, x, x1 + k), a1);
            a2 = u.fma(FloatVector.fromArray(F, x, x2 + k), a2);
            a3 = u.fma(FloatVector.fromArray(F, x, x3 + k), a3);
        }
        a0.intoArray(acc, a);
        a1.intoArray(acc, a + L);
        a2.intoArray(acc, a + 2 * L);
        a3.intoArray(acc, a + 3 * L);
    }

    private static void tile1x1(float[] w, int w0, float[] x, int x0, int len, float[] acc, int a) {
        FloatVector a0 = FloatVector.fromArray(F, acc, a);
        for (int k = 0; k < len; k += L) {
            a0 = FloatVector.fromArray(F, w, w0 + k).fma(FloatVector.fromArray(F, x, x0 + k), a0);
        }
        a0.intoArray(acc, a);
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int len) {
        int len8 = len - len % L;
        FloatVector s = FloatVector.zero(F);
        for (int k = 0; k < len8; k += L) {
            s = FloatVector.fromArray(F, a, aOffset + k).fma(FloatVector.fromArray(F, b, bOffset + k), s);
        }
        float[] lanes = new float[L];
        s.intoArray(lanes, 0);
        return LaneSum.tail(LaneSum.sum(lanes, 0), a, aOffset + len8, b, bOffset + len8, len - len8);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int len) {
        int len8 = len - len % L;
        FloatVector av = FloatVector.broadcast(F, alpha);
        for (int k = 0; k < len8; k += L) {
            av.fma(FloatVector.fromArray(F, x, xOffset + k), FloatVector.fromArray(F, y, yOffset + k))
                    .intoArray(y, yOffset + k);
        }
        for (int k = len8; k < len; k++) {
            y[yOffset + k] = Math.fma(alpha, x[xOffset + k], y[yOffset + k]);
        }
    }

    @Override
    public void dots(float[] q, int qOffset, float[] m, int base, int stride, int count, int len, float[] out,
            int outOffset) {
        int len8 = len - len % L;
        float[] lanes = new float[L];
        for (int t = 0; t < count; t++) {
            int row = base + t * stride;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < len8; k += L) {
                s = FloatVector.fromArray(F, q, qOffset + k).fma(FloatVector.fromArray(F, m, row + k), s);
            }
            s.intoArray(lanes, 0);
            out[outOffset + t] = LaneSum.tail(LaneSum.sum(lanes, 0), q, qOffset + len8, m, row + len8, len - len8);
        }
    }

    @Override
    public void axpys(float[] w, int wOffset, float[] m, int base, int stride, int count, float[] y, int yOffset,
            int len) {
        int len8 = len - len % L;
        for (int t = 0; t < count; t++) {
            float alpha = w[wOffset + t];
            int row = base + t * stride;
            FloatVector av = FloatVector.broadcast(F, alpha);
            for (int k = 0; k < len8; k += L) {
                av.fma(FloatVector.fromArray(F, m, row + k), FloatVector.fromArray(F, y, yOffset + k))
                        .intoArray(y, yOffset + k);
            }
            for (int k = len8; k < len; k++) {
                y[yOffset + k] = Math.fma(alpha, m[row + k], y[yOffset + k]);
            }
        }
    }
}
