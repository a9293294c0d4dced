package io.sluice.tensor.quant;

import java.util.Arrays;

/**
 * Fits one sub-block of Q4_K / Q5_K: levels q in [0, nmax] with x ≈ scale * q - min, scale ≥ 0, min ≥ 0,
 * minimizing the weighted squared error Σ w (scale * q - min - x)². The levels are fixed by a trial
 * inverse scale (a grid around nmax / (max - min)); for each trial the best (scale, min) for those levels is
 * the weighted least-squares line, found in closed form, with the offset held at zero when the line would
 * need a positive one (the format has no room for it). The trial with the smallest error wins. This is the
 * search ggml's K-quant reference quantizer runs; the grid (start, step, count) is per type.
 */
final class AffineFit {

    private final int nmax;
    private final float gridStart;
    private final float gridStep;
    private final int gridSteps;
    private final byte[] trial;
    private float scale;
    private float min;

    /** Levels 0..nmax; trial inverse scales (nmax + gridStart + gridStep * k) / range for k = 0..gridSteps. */
    AffineFit(int nmax, float gridStart, float gridStep, int gridSteps, int maxLength) {
        this.nmax = nmax;
        this.gridStart = gridStart;
        this.gridStep = gridStep;
        this.gridSteps = gridSteps;
        this.trial = new byte[maxLength];
    }

    /** The scale of the last fit (≥ 0). */
    float scale() {
        return scale;
    }

    /** The amount subtracted after scaling in the last fit (≥ 0). */
    float min() {
        return min;
    }

    /** Fits x[at .. at + n) with weights w[at .. at + n), writing the chosen levels to levels[at ..]. */
    void fit(float[] x, float[] w, byte[] levels, int at, int n) {
        float lo = x[at];
        float hi = x[at];
        float sumW = 0f;
        float sumWX = 0f;
        for (int i = 0; i < n; i++) {
            float v = x[at + i];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            sumW += w[at + i];
            sumWX += w[at + i] * v;
        }
        lo = Math.min(lo, 0f); // the offset can only pull values down
        if (hi == lo) {
            Arrays.fill(levels, at, at + n, (byte) 0);
            scale = 0f;
            min = -lo;
            return;
        }
        float range = hi - lo;
        float bestScale = range / nmax;
        float bestOffset = lo;
        float bestError = 0f;
        float inv = nmax / range;
        for (int i = 0; i < n; i++) {
            int q = clamp(Math.round(Math.rint(inv * (x[at + i] - lo))), nmax);
            levels[at + i] = (byte) q;
            float diff = bestScale * q + lo - x[at + i];
            bestError += w[at + i] * diff * diff;
        }
        for (int k = 0; k <= gridSteps; k++) {
            inv = (nmax + gridStart + gridStep * k) / range;
            float sumL = 0f;
            float sumL2 = 0f;
            float sumXL = 0f;
            for (int i = 0; i < n; i++) {
                int q = clamp(Math.round(Math.rint(inv * (x[at + i] - lo))), nmax);
                trial[i] = (byte) q;
                sumL += w[at + i] * q;
                sumL2 += w[at + i] * q * q;
                sumXL += w[at + i] * q * x[at + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (!(det > 0f)) {
                continue;
            }
            float s = (sumW * sumXL - sumWX * sumL) / det;
            float o = (sumL2 * sumWX - sumL * sumXL) / det;
            if (o > 0f) {
                o = 0f;
                s = sumXL / sumL2;
            }
            float error = 0f;
            for (int i = 0; i < n; i++) {
                float diff = s * trial[i] + o - x[at + i];
                error += w[at + i] * diff * diff;
            }
            if (error < bestError) {
                System.arraycopy(trial, 0, levels, at, n);
                bestError = error;
                bestScale = s;
                bestOffset = o;
            }
        }
        scale = bestScale;
        min = -bestOffset;
    }

    private static int clamp(long q, int nmax) {
        return (int) Math.max(0, Math.min(nmax, q));
    }
}
