package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batched entry points of {@link FloatKernel} (rows of weights against one activation row, attention's runs
 * of keys and values) give the same bits as its one-at-a-time definitions ({@link FloatKernel#dot},
 * {@link FloatKernel#axpy}), on the active backend and the scalar one, for lengths on and off the eight lanes and
 * run lengths around the kernels' tile sizes.
 */
class FloatKernelConformanceTest {
    private static final FloatKernel REFERENCE = Backends.scalar().floatKernel();

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian() * (r.nextInt(8) == 0 ? 100f : 1f);
        }
        return a;
    }

    @Test
    void dotRowsEqualsDotPerRow() {
        Random r = new Random(7);
        for (FloatKernel k : new FloatKernel[] {Backends.active().floatKernel(), REFERENCE}) {
            for (int len : new int[] {8, 13, 64, 128, 384, 389}) {
                for (int rows : new int[] {1, 3, 7, 8, 9, 17, 33}) {
                    int stride = len + 3;
                    float[] w = random(r, 5 + rows * stride);
                    float[] x = random(r, 2 + len);
                    float[] out = new float[rows + 4];
                    k.dotRows(w, 5, stride, rows, x, 2, len, out, 1, new float[64]);
                    for (int i = 0; i < rows; i++) {
                        float want = REFERENCE.dot(w, 5 + i * stride, x, 2, len);
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[1 + i]),
                                k + ": row " + i + " of " + rows + ", length " + len);
                    }
                }
            }
        }
    }

    @Test
    void accumulateRowsEqualsTheTiledAccumulation() {
        Random r = new Random(8);
        for (FloatKernel k : new FloatKernel[] {Backends.active().floatKernel(), REFERENCE}) {
            for (int rows = 1; rows <= 4; rows++) {
                int len = 128;
                float[] w = random(r, rows * len);
                float[] x = random(r, len);
                float[] acc = new float[rows * LaneSum.LANES];
                float[] want = new float[rows * LaneSum.LANES];
                k.accumulateRows(w, 0, len, rows, x, 0, len, acc);
                REFERENCE.accumulate(w, len, rows, x, 0, len, 1, len, want);
                for (int i = 0; i < acc.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(acc[i]), k + ": lane " + i);
                }
            }
        }
    }

    @Test
    void dotsAndAxpysEqualOneSlotAtATime() {
        Random r = new Random(9);
        for (FloatKernel k : new FloatKernel[] {Backends.active().floatKernel(), REFERENCE}) {
            for (int len : new int[] {8, 20, 32, 64, 72, 128}) {
                for (int count : new int[] {1, 3, 4, 5, 8, 16, 17}) {
                    int stride = 2 * len + 8;
                    float[] m = random(r, 3 + count * stride);
                    float[] q = random(r, 1 + len);
                    float[] scores = new float[count + 2];
                    k.dots(q, 1, m, 3, stride, count, len, scores, 2);
                    float[] weights = random(r, count + 2);
                    float[] y = random(r, len + 4);
                    float[] want = y.clone();
                    k.axpys(weights, 2, m, 3, stride, count, y, 4 - 4, len);
                    for (int t = 0; t < count; t++) {
                        float dot = REFERENCE.dot(q, 1, m, 3 + t * stride, len);
                        assertEquals(Float.floatToRawIntBits(dot), Float.floatToRawIntBits(scores[2 + t]),
                                k + ": score " + t + " of " + count + ", length " + len);
                        REFERENCE.axpy(weights[2 + t], m, 3 + t * stride, want, 0, len);
                    }
                    for (int i = 0; i < y.length; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(y[i]),
                                k + ": element " + i + " of " + count + " slots, length " + len);
                    }
                }
            }
        }
    }
}
