package io.sluice.spec;

/**
 * y = a + b·x by least squares over recent observations (older ones fade by a constant factor each time).
 * Not thread-safe.
 */
final class LinearFit {

    private final double decay;
    private double n;
    private double sx;
    private double sy;
    private double sxx;
    private double sxy;
    private int seen;

    LinearFit(double decay) {
        this.decay = decay;
    }

    void observe(double x, double y) {
        n = n * decay + 1;
        sx = sx * decay + x;
        sy = sy * decay + y;
        sxx = sxx * decay + x * x;
        sxy = sxy * decay + x * y;
        seen++;
    }

    int seen() {
        return seen;
    }

    /** {a, b} (both at least 0), or null while fewer than {@code minSeen} points or no spread in x. */
    double[] fit(int minSeen) {
        double var = n * sxx - sx * sx;
        if (seen < minSeen || var <= 1e-9 * n * n) {
            return null;
        }
        double b = (n * sxy - sx * sy) / var;
        double a = (sy - b * sx) / n;
        return new double[] {Math.max(0, a), Math.max(0, b)};
    }

    /** The fitted value at x; without spread the mean of y; 0 before any observation. */
    double predict(double x, int minSeen) {
        double[] f = fit(minSeen);
        if (f != null) {
            return f[0] + f[1] * x;
        }
        return n == 0 ? 0 : sy / n;
    }
}
