package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Exp} against the exact exponential (Math.exp in double, within 1 ulp of a double of the true value).
 * A scan of every float from -104 to 89 (2,239,889,410 inputs; too slow for the suite) measured a largest error
 * of 0.891 ulp of the float result (at x = 5.2016387), and no result more than one float step from
 * {@code (float) Math.exp(x)}; the test bounds a few million inputs by that.
 */
class ExpTest {
    /** The largest error measured over every float of the range, with a margin for the double reference. */
    private static final double MAX_ULP = 0.9;

    /** |exp(x) − e^x| in ulps of the correctly rounded float result (subnormal ulps where it is subnormal). */
    private static double ulpError(float x) {
        double exact = Math.exp(x);
        float rounded = (float) exact;
        float y = Exp.exp(x);
        if (Float.isInfinite(rounded) || Float.isInfinite(y)) {
            return y == rounded ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(y - exact) / Math.ulp(rounded);
    }

    @Test
    void withinOneUlpOfTheExactValueOverTheWholeRange() {
        Random r = new Random(11);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < 4_000_000; i++) {
            // half uniform over the range, half uniform over the bit patterns (every exponent: tiny inputs too)
            float x = i % 2 == 0 ? -104f + 193f * r.nextFloat()
                    : Float.intBitsToFloat(r.nextInt(Float.floatToRawIntBits(104f)) | (r.nextBoolean() ? 0x80000000 : 0));
            double e = ulpError(x);
            if (e > worst) {
                worst = e;
                worstAt = x;
            }
        }
        assertTrue(worst <= MAX_ULP, "error " + worst + " ulp at " + worstAt);
    }

    @Test
    void edgeCases() {
        assertEquals(1f, Exp.exp(0f));
        assertEquals(1f, Exp.exp(-0f));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, Exp.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Exp.exp(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(Float.MAX_VALUE));
        assertEquals(0f, Exp.exp(-Float.MAX_VALUE));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(89f));
        assertEquals(0f, Exp.exp(-104f));
        // around the largest finite result and the smallest subnormal one, each float step as Math.exp rounds it
        for (float x : new float[] {88.72283f, 88.7228f, -87.33655f, -87.33654f, -103.27893f, -103.97208f,
                -103.972084f, -103.97209f, -100f, -90f}) {
            for (int step = -20; step <= 20; step++) {
                float at = Float.intBitsToFloat(Float.floatToRawIntBits(x) + step);
                assertTrue(ulpError(at) <= MAX_ULP, at + ": " + Exp.exp(at) + " against " + Math.exp(at));
            }
        }
        assertTrue(Float.isFinite(Exp.exp(88.72283f)));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(88.72284f));
        assertEquals(Float.MIN_VALUE, Exp.exp(-103.27893f));
        // tiny arguments: 1 ± x rounds to 1 or its neighbours exactly as the true value does
        for (float x : new float[] {1e-30f, -1e-30f, Float.MIN_VALUE, -Float.MIN_VALUE, 5.9604645e-8f, -2.9802322e-8f}) {
            assertTrue(ulpError(x) <= MAX_ULP, x + ": " + Exp.exp(x));
        }
    }
}
