package io.sluice.spec;

/**
 * The measured cost of a model step as a function of its rows, t(rows) = a + b·rows, fitted by least
 * squares over recent steps (older ones fade). Decode reads every weight once per step whatever the rows
 * (a), while arithmetic grows with rows (b): speculation pays while the batch is memory-bound and stops
 * paying once b·rows dominates. {@link #worthSpeculating} compares committed tokens per second with and
 * without the drafts.
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
    private double draftNanosPerToken;

    /** Records a model step of {@code rows} rows that took {@code nanos}. */
    public void observeStep(int rows, long nanos) {
        n = n * DECAY + 1;
        sx = sx * DECAY + rows;
        sy = sy * DECAY + nanos;
        sxx = sxx * DECAY + (double) rows * rows;
        sxy = sxy * DECAY + (double) rows * nanos;
        seen++;
    }

    /** Records the drafter's time for {@code drafted} proposed tokens. */
    public void observeDraft(int drafted, long nanos) {
        if (drafted > 0) {
            double perToken = (double) nanos / drafted;
            draftNanosPerToken = draftNanosPerToken == 0 ? perToken : 0.8 * draftNanosPerToken + 0.2 * perToken;
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
     * True when a step of {@code rows} rows (committing {@code tokens} tokens) plus {@code drafts} drafted
     * rows, expected to add {@code expectedAccepted} tokens, commits more tokens per second than without.
     */
    public boolean worthSpeculating(int rows, int tokens, int drafts, double expectedAccepted) {
        double[] f = fit();
        if (f == null) {
            return true;
        }
        double plain = f[0] + f[1] * rows;
        double spec = f[0] + f[1] * (rows + drafts) + draftNanosPerToken * drafts;
        return (tokens + expectedAccepted) * plain > tokens * spec;
    }
}
