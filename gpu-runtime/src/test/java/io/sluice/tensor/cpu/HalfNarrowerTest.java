package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.tensor.quant.Fp16;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every {@link HalfNarrower} gives {@link Fp16#fromFloat}'s bits: for every float of the exponents where the rounding
 * changes kind (float subnormals, half subnormals, the normal boundary, the top of the half range, infinities and
 * NaNs), of both signs, and for random floats of any bits; in pieces of odd lengths, so that tails are covered.
 */
class HalfNarrowerTest {
    private static final int[] EXPONENTS = {0, 1, 101, 102, 103, 111, 112, 113, 114, 126, 127, 141, 142, 143, 144, 255};

    @Test
    void everyKindOfFloatNarrowsAsTheScalarDefinition() {
        HalfNarrower vector = Backends.vectorInstance("io.sluice.tensor.cpu.vector.VectorHalfNarrower",
                HalfNarrower.class).orElseThrow();
        assertEquals(vector.getClass(), HalfNarrower.active().getClass(), "this JVM narrows with the Vector API");
        float[] src = new float[1 << 16];
        short[] want = new short[src.length];
        short[] got = new short[src.length + 3];
        for (int exponent : EXPONENTS) {
            for (int sign = 0; sign < 2; sign++) {
                for (int m0 = 0; m0 < 1 << 23; m0 += src.length) {
                    for (int k = 0; k < src.length; k++) {
                        src[k] = Float.intBitsToFloat(sign << 31 | exponent << 23 | (m0 + k));
                    }
                    compare(vector, src, want, got);
                }
            }
        }
        Random random = new Random(3);
        for (int round = 0; round < 64; round++) {
            for (int k = 0; k < src.length; k++) {
                src[k] = Float.intBitsToFloat(random.nextInt());
            }
            compare(vector, src, want, got);
        }
    }

    private static void compare(HalfNarrower vector, float[] src, short[] want, short[] got) {
        HalfNarrower.SCALAR.narrow(src, 0, want, 0, src.length);
        for (int at = 0; at < src.length; ) {
            int len = Math.min(src.length - at, 1 + at % 37);
            vector.narrow(src, at, got, 3 + at, len);
            at += len;
        }
        for (int k = 0; k < src.length; k++) {
            if (want[k] != got[3 + k]) {
                assertEquals(want[k], got[3 + k], "float 0x" + Integer.toHexString(Float.floatToRawIntBits(src[k])));
            }
        }
    }
}
