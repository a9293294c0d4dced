package io.sluice.tensor.cpu;

/** Steps 2 and 3 of the {@link FloatKernel} order, shared by all backends so that they cannot drift. */
public final class LaneSum {
    /** Lanes per accumulator: the float lanes of a 256-bit vector, fixed on every machine. */
    public static final int LANES = 8;

    private LaneSum() {
    }

    /** {@code ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))} over {@code acc[at .. at + 8)}. */
    public static float sum(float[] acc, int at) {
        return ((acc[at] + acc[at + 1]) + (acc[at + 2] + acc[at + 3]))
                + ((acc[at + 4] + acc[at + 5]) + (acc[at + 6] + acc[at + 7]));
    }

    /** Step 3: folds the {@code len} trailing elements into {@code s}, one fused multiply-add each. */
    public static float tail(float s, float[] w, int wOffset, float[] x, int xOffset, int len) {
        for (int k = 0; k < len; k++) {
            s = Math.fma(w[wOffset + k], x[xOffset + k], s);
        }
        return s;
    }
}
