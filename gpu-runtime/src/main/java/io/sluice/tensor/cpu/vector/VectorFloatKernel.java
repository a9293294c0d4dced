package io.sluice.tensor.cpu.vector;

import io.sluice.tensor.cpu.FloatKernel;
import io.sluice.tensor.cpu.LaneSum;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
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
    /** Lane i takes lane i ^ 1, then lane i ^ 2: the pairings of {@link LaneSum#sum}'s first two levels. */
    private static final VectorShuffle<Float> SWAP_1 = VectorShuffle.fromValues(F, 1, 0, 3, 2, 5, 4, 7, 6);
    private static final VectorShuffle<Float> SWAP_2 = VectorShuffle.fromValues(F, 2, 3, 0, 1, 6, 7, 4, 5);
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

    /**
     * Eight rows at a time: eight independent chains of fused multiply-adds keep both FMA ports busy (four wait
     * on the latency), and the activation vector is loaded once per eight rows.
     */
    @Override
    public void dotRows(float[] w, int wOffset, int wStride, int rows, float[] x, int xOffset, int len,
            float[] out, int outOffset, float[] scratch) {
        int len8 = len - len % L;
        int r = 0;
        for (; r + 8 <= rows; r += 8) {
            int w0 = wOffset + r * wStride;
            int w1 = w0 + wStride;
            int w2 = w1 + wStride;
            int w3 = w2 + wStride;
            int w4 = w3 + wStride;
            int w5 = w4 + wStride;
            int w6 = w5 + wStride;
            int w7 = w6 + wStride;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector a4 = a0;
            FloatVector a5 = a0;
            FloatVector a6 = a0;
            FloatVector a7 = a0;
            for (int k = 0; k < len8; k += L) {
                FloatVector v = FloatVector.fromArray(F, x, xOffset + k);
                a0 = FloatVector.fromArray(F, w, w0 + k).fma(v, a0);
                a1 = FloatVector.fromArray(F, w, w1 + k).fma(v, a1);
                a2 = FloatVector.fromArray(F, w, w2 + k).fma(v, a2);
                a3 = FloatVector.fromArray(F, w, w3 + k).fma(v, a3);
                a4 = FloatVector.fromArray(F, w, w4 + k).fma(v, a4);
                a5 = FloatVector.fromArray(F, w, w5 + k).fma(v, a5);
                a6 = FloatVector.fromArray(F, w, w6 + k).fma(v, a6);
                a7 = FloatVector.fromArray(F, w, w7 + k).fma(v, a7);
            }
            a0.intoArray(scratch, 0);
            a1.intoArray(scratch, L);
            a2.intoArray(scratch, 2 * L);
            a3.intoArray(scratch, 3 * L);
            a4.intoArray(scratch, 4 * L);
            a5.intoArray(scratch, 5 * L);
            a6.intoArray(scratch, 6 * L);
            a7.intoArray(scratch, 7 * L);
            for (int i = 0; i < 8; i++) {
                out[outOffset + r + i] = LaneSum.tail(LaneSum.sum(scratch, i * L), w, w0 + i * wStride + len8, x,
                        xOffset + len8, len - len8);
            }
        }
        for (; r < rows; r++) {
            out[outOffset + r] = dot(w, wOffset + r * wStride, x, xOffset, len);
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

    /**
     * {@link LaneSum#sum} of the lanes in registers, no array: {@code (l0 + l1)} etc. pairwise, then
     * {@code (l0 + l1) + (l2 + l3)} and {@code (l4 + l5) + (l6 + l7)}, then those two; float addition is
     * commutative, so each level's swapped copy adds to the same bits.
     */
    static float laneSum(FloatVector s) {
        FloatVector pairs = s.add(s.rearrange(SWAP_1));
        FloatVector quads = pairs.add(pairs.rearrange(SWAP_2));
        return quads.lane(0) + quads.lane(4);
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int len) {
        int len8 = len - len % L;
        FloatVector s = FloatVector.zero(F);
        for (int k = 0; k < len8; k += L) {
            s = FloatVector.fromArray(F, a, aOffset + k).fma(FloatVector.fromArray(F, b, bOffset + k), s);
        }
        return LaneSum.tail(laneSum(s), a, aOffset + len8, b, bOffset + len8, len - len8);
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

    /** Four slots at a time: four independent FMA chains share each load of the query. */
    @Override
    public void dots(float[] q, int qOffset, float[] m, int base, int stride, int count, int len, float[] out,
            int outOffset) {
        int len8 = len - len % L;
        int t = 0;
        for (; t + 4 <= count; t += 4) {
            int r0 = base + t * stride;
            int r1 = r0 + stride;
            int r2 = r1 + stride;
            int r3 = r2 + stride;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int k = 0; k < len8; k += L) {
                FloatVector v = FloatVector.fromArray(F, q, qOffset + k);
                s0 = v.fma(FloatVector.fromArray(F, m, r0 + k), s0);
                s1 = v.fma(FloatVector.fromArray(F, m, r1 + k), s1);
                s2 = v.fma(FloatVector.fromArray(F, m, r2 + k), s2);
                s3 = v.fma(FloatVector.fromArray(F, m, r3 + k), s3);
            }
            int tail = len - len8;
            out[outOffset + t] = LaneSum.tail(laneSum(s0), q, qOffset + len8, m, r0 + len8, tail);
            out[outOffset + t + 1] = LaneSum.tail(laneSum(s1), q, qOffset + len8, m, r1 + len8, tail);
            out[outOffset + t + 2] = LaneSum.tail(laneSum(s2), q, qOffset + len8, m, r2 + len8, tail);
            out[outOffset + t + 3] = LaneSum.tail(laneSum(s3), q, qOffset + len8, m, r3 + len8, tail);
        }
        for (; t < count; t++) {
            int row = base + t * stride;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < len8; k += L) {
                s = FloatVector.fromArray(F, q, qOffset + k).fma(FloatVector.fromArray(F, m, row + k), s);
            }
            out[outOffset + t] = LaneSum.tail(laneSum(s), q, qOffset + len8, m, row + len8, len - len8);
        }
    }

    /**
     * Each 32-float stretch of {@code y} stays in registers over all {@code count} slots (one load and one store
     * instead of one per slot); every element still takes its slots' multiply-adds in increasing slot order.
     */
    @Override
    public void axpys(float[] w, int wOffset, float[] m, int base, int stride, int count, float[] y, int yOffset,
            int len) {
        int len8 = len - len % L;
        int k = 0;
        for (; k + 4 * L <= len8; k += 4 * L) {
            int at = yOffset + k;
            FloatVector y0 = FloatVector.fromArray(F, y, at);
            FloatVector y1 = FloatVector.fromArray(F, y, at + L);
            FloatVector y2 = FloatVector.fromArray(F, y, at + 2 * L);
            FloatVector y3 = FloatVector.fromArray(F, y, at + 3 * L);
            for (int t = 0; t < count; t++) {
                FloatVector av = FloatVector.broadcast(F, w[wOffset + t]);
                int row = base + t * stride + k;
                y0 = av.fma(FloatVector.fromArray(F, m, row), y0);
                y1 = av.fma(FloatVector.fromArray(F, m, row + L), y1);
                y2 = av.fma(FloatVector.fromArray(F, m, row + 2 * L), y2);
                y3 = av.fma(FloatVector.fromArray(F, m, row + 3 * L), y3);
            }
            y0.intoArray(y, at);
            y1.intoArray(y, at + L);
            y2.intoArray(y, at + 2 * L);
            y3.intoArray(y, at + 3 * L);
        }
        for (; k < len8; k += L) {
            int at = yOffset + k;
            FloatVector y0 = FloatVector.fromArray(F, y, at);
            for (int t = 0; t < count; t++) {
                y0 = FloatVector.broadcast(F, w[wOffset + t]).fma(FloatVector.fromArray(F, m, base + t * stride + k),
                        y0);
            }
            y0.intoArray(y, at);
        }
        for (; k < len; k++) {
            float acc = y[yOffset + k];
            for (int t = 0; t < count; t++) {
                acc = Math.fma(w[wOffset + t], m[base + t * stride + k], acc);
            }
            y[yOffset + k] = acc;
        }
    }
}
