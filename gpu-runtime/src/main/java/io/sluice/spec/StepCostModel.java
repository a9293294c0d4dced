package io.sluice.spec;

/**
 * The measured cost of a model step as a function of its rows, t(rows) = a + b·rows, fitted by least
 * squares over recent steps (older ones fade). Decode reads every weight once per step whatever the rows
 * (a), while arithmetic grows with rows (b): speculation pays while the batch is memory-bound and stops
 * paying once b·rows dominates. {@link #bestCap} compares committed tokens per second with and without
 * drafts, the drafter's measured time included.
 */
public final class StepCostModel {

    private static final double DECAY = 0.98;
    /** Steps to observe before the fit is trusted; until then speculation runs (and provides the spread). */
    private static final int WARM_UP = 16;

    private double n;
    private double sx;
    private double sy;
    private double sxx;
    private double sxy;
    private int seen;
    private int seenDrafts;
    private double draftNanosPerPass;

    /** Records a model step of {@code rows} rows that took {@code nanos}. */
    public void observeStep(int rows, long nanos) {
        n = n * DECAY + 1;
        sx = sx * DECAY + rows;
        sy = sy * DECAY + nanos;
        sxx = sxx * DECAY + (double) rows * rows;
        sxy = sxy * DECAY + (double) rows * nanos;
        seen++;
    }

    /** Records a drafting round of {@code passes} sequential passes that took {@code nanos}. */
    public void observeDraft(int passes, long nanos) {
        if (passes > 0) {
            double perPass = (double) nanos / passes;
            draftNanosPerPass = seenDrafts++ == 0 ? perPass : 0.8 * draftNanosPerPass + 0.2 * perPass;
        }
    }

    /** Per-step cost a (nanoseconds) or NaN while the fit is not determined. */
    double fixedNanos() {
        double[] f = fit();
        return f == null ? Double.NaN : f[0];
    }

    /** Per-row cost b (nanoseconds) or NaN while the fit is not determined. */
    double perRowNanos() {
        double[] f = fit();
        return f == null ? Double.NaN : f[1];
    }

    private double[] fit() {
        double var = n * sxx - sx * sx;
        if (seen < WARM_UP || var <= 1e-9 * n * n) {
            return null; // every step had the same rows: the slope is unknown
        }
        double b = (n * sxy - sx * sy) / var;
        double a = (sy - b * sx) / n;
        return new double[] {Math.max(0, a), Math.max(0, b)};
    }

    /**
     * The draft cap (0 .. {@code caps.length}) that commits the most tokens per second in a step of
     * {@code rows} rows committing {@code tokens} tokens without drafts, where a cap of K adds
     * {@code drafts[K - 1]} drafted rows expected to add {@code expected[K - 1]} tokens and costs K drafting
     * passes. Before the fit is known: the largest cap (running is how it gets measured).
     */
    public int bestCap(int rows, int tokens, int[] drafts, double[] expected) {
        double[] f = fit();
        if (f == null) {
            return drafts.length;
        }
        double best = tokens / (f[0] + f[1] * rows);
        int cap = 0;
        for (int k = 1; k <= drafts.length; k++) {
            double t = f[0] + f[1] * (rows + drafts[k - 1]) + draftNanosPerPass * k;
            double rate = (tokens + expected[k - 1]) / t;
            if (rate > best) {
                best = rate;
                cap = k;
            }
        }
        return cap;
    }
}
