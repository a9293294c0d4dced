package io.sluice.tensor.cpu.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.tensor.cpu.Exp;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link VectorExp} gives {@link Exp#exp}'s bits for every input: random bit patterns, the range and edge cases. */
class VectorExpTest {
    @Test
    void everyLaneHoldsTheScalarBits() {
        Random r = new Random(5);
        float[] edges = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 88.72283f, 88.72284f, 89f, 89.00001f, -104f,
                -104.00001f, -103.97208f, -103.27893f, -87.33655f, 1e-30f, -1e-30f, 0.34657359f, -0.34657359f,
                0.5f * 0.6931472f, 1.5f * 0.6931472f, 127.5f * 0.6931472f, -149.5f * 0.6931472f};
        int n = 1 << 22;
        float[] x = new float[n + 5];
        for (int i = 0; i < x.length; i++) {
            switch (i % 3) {
                case 0 -> x[i] = Float.intBitsToFloat(r.nextInt()); // any float: NaNs, huge, subnormal
                case 1 -> x[i] = -110f + 205f * r.nextFloat(); // the range and just beyond it
                default -> x[i] = (float) r.nextGaussian() * 4f; // softmax and SwiGLU arguments
            }
        }
        System.arraycopy(edges, 0, x, 0, edges.length);
        System.arraycopy(edges, 0, x, 1000, edges.length);
        float[] got = x.clone();
        // calls of a few thousand elements, off the lanes at both ends (and short enough for the JIT to step in)
        for (int from = 3; from < x.length; from += 4093) {
            VectorExp.exp(got, from, Math.min(x.length, from + 4093));
        }
        for (int i = 3; i < x.length; i++) {
            int want = Float.floatToIntBits(Exp.exp(x[i]));
            if (want != Float.floatToIntBits(got[i])) {
                assertEquals(want, Float.floatToIntBits(got[i]), "exp(" + x[i] + ")");
            }
        }
    }
}
