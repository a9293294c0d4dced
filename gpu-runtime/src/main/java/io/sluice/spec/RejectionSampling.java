package io.sluice.spec;

import io.sluice.sampling.SeededRandom;

/**
 * Standard speculative sampling for one drafted token: accept the draft {@code d} with probability
 * min(1, p(d) / q(d)), else draw from the normalised max(0, p - q). The result is distributed exactly as
 * p whatever q is. Draws come from two streams of the request's seed, indexed by the token's position in
 * the completion, so a seed gives the same result however the steps fell.
 */
public final class RejectionSampling {

    static final long ACCEPT_STREAM = 1;
    static final long RESIDUAL_STREAM = 2;

    private RejectionSampling() {
    }

    /**
     * The token to commit at completion index {@code index}.
     *
     * @param p the model's distribution (after the request's penalties, filters and temperature)
     * @param q the drafter's distribution, or null when the draft was certain (q is all on {@code draft})
     */
    public static int choose(double[] p, double[] q, int draft, long seed, long index) {
        double qd = q == null ? 1.0 : q[draft];
        double u = SeededRandom.doubleAt(SeededRandom.substream(seed, ACCEPT_STREAM), index);
        if (p[draft] >= qd || u * qd < p[draft]) {
            return draft;
        }
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            total += residual(p, q, draft, i);
        }
        if (!(total > 0)) {
            return draft; // p and q agree to rounding: nothing left to draw from
        }
        double v = SeededRandom.doubleAt(SeededRandom.substream(seed, RESIDUAL_STREAM), index) * total;
        double cum = 0;
        int last = draft;
        for (int i = 0; i < p.length; i++) {
            double r = residual(p, q, draft, i);
            if (r > 0) {
                cum += r;
                last = i;
                if (v < cum) {
                    return i;
                }
            }
        }
        return last;
    }

    private static double residual(double[] p, double[] q, int draft, int i) {
        double qi = q == null ? (i == draft ? 1.0 : 0.0) : q[i];
        return Math.max(0.0, p[i] - qi);
    }
}
