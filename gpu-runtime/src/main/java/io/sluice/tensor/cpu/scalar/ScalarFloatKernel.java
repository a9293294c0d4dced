package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.FloatKernel;
import io.sluice.tensor.cpu.LaneSum;

/** The {@link FloatKernel} order in scalar code: the eight lanes become eight array slots. */
final class ScalarFloatKernel implements FloatKernel {
    static final ScalarFloatKernel INSTANCE = new ScalarFloatKernel();
    private static final int L = LaneSum.LANES;

    @Override
    public void accumulate(float[] w, int wStride, int rows, float[] x, int xOffset, int xStride, int n, int len,
            float[] acc) {
        for (int r = 0; r < rows; r++) {
            int wr = r * wStride;
            for (int i = 0; i < n; i++) {
                int xi = xOffset + i * xStride;
                int a = (r * n + i) * L;
                for (int lane = 0; lane < L; lane++) {
                    float s = acc[a + lane];
                    for (int k = lane; k < len; k += L) {
                        s = Math.fma(w[wr + k], x[xi + k], s);
                    }
                    acc[a + lane] = s;
                }
            }
        }
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int len) {
        float[] acc = new float[L];
        int len8 = len - len % L;
        for (int lane = 0; lane < L; lane++) {
            float s = 0f;
            for (int k = lane; k < len8; k += L) {
                s = Math.fma(a[aOffset + k], b[bOffset + k], s);
            }
            acc[lane] = s;
        }
        return LaneSum.tail(LaneSum.sum(acc, 0), a, aOffset + len8, b, bOffset + len8, len - len8);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int len) {
        for (int k = 0; k < len; k++) {
            y[yOffset + k] = Math.fma(alpha, x[xOffset + k], y[yOffset + k]);
        }
    }
}
