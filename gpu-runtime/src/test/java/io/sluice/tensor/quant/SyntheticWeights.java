package io.sluice.tensor.quant;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A fixed-seed set of weight matrices with the shapes of trained ones, for measuring quantization error:
 * uniform (what {@code sluice synth} writes), Gaussian, Gaussian with per-row and per-column scales (real
 * layers' channels differ in size), Laplace with rare 10× outliers, and a shifted Gaussian (sub-blocks that
 * need their min). 32 rows of 2048 each.
 */
final class SyntheticWeights {

    static final int ROWS = 32;
    static final int COLS = 2048;

    record Matrix(String name, float[] values) {
    }

    private SyntheticWeights() {
    }

    static List<Matrix> all() {
        return List.of(
                new Matrix("uniform", generate(1, (r, row, col) -> (float) ((r.nextDouble() - 0.5) * 2 / Math.sqrt(768)))),
                new Matrix("gaussian", generate(2, (r, row, col) -> (float) (0.02 * gaussian(r)))),
                new Matrix("channels", channels()),
                new Matrix("outliers", generate(4, (r, row, col) -> {
                    double u = r.nextDouble() - 0.5;
                    double v = -0.015 * Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
                    return (float) (r.nextInt(256) == 0 ? 10 * v : v);
                })),
                new Matrix("shifted", generate(5, (r, row, col) -> (float) (0.01 + 0.02 * gaussian(r)))));
    }

    private interface Element {
        float next(SplittableRandom r, int row, int col);
    }

    private static float[] generate(long seed, Element e) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] m = new float[ROWS * COLS];
        for (int row = 0; row < ROWS; row++) {
            for (int col = 0; col < COLS; col++) {
                m[row * COLS + col] = e.next(r, row, col);
            }
        }
        return m;
    }

    private static float[] channels() {
        SplittableRandom r = new SplittableRandom(3);
        double[] rowScale = new double[ROWS];
        double[] colScale = new double[COLS];
        for (int i = 0; i < ROWS; i++) {
            rowScale[i] = 0.005 * Math.pow(20, r.nextDouble());
        }
        for (int i = 0; i < COLS; i++) {
            colScale[i] = 0.5 * Math.pow(4, r.nextDouble());
        }
        return generate(6, (g, row, col) -> (float) (rowScale[row] * colScale[col] * gaussian(g)));
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller with one draw kept per call: slower, but the same numbers on every JDK.
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
