package io.sluice.tensor.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Fp16Test {

    private static int bits(float f) {
        return Fp16.fromFloat(f) & 0xFFFF;
    }

    @Test
    void knownValues() {
        assertEquals(0x0000, bits(0f));
        assertEquals(0x8000, bits(-0f));
        assertEquals(0x3C00, bits(1f));
        assertEquals(0xBC00, bits(-1f));
        assertEquals(0x3800, bits(0.5f));
        assertEquals(0x2E66, bits(0.1f));
        assertEquals(0x7BFF, bits(65504f));
        assertEquals(0x7BFF, bits(65519.99f));
        assertEquals(0x7C00, bits(65520f)); // tie between 65504 and 65536: to even, i.e. infinity
        assertEquals(0x7C00, bits(1e10f));
        assertEquals(0xFC00, bits(Float.NEGATIVE_INFINITY));
        assertEquals(0x7E00, bits(Float.NaN));
        assertEquals(0x0400, bits(0x1p-14f)); // smallest normal
        assertEquals(0x0001, bits(0x1p-24f)); // smallest subnormal
        assertEquals(0x0000, bits(0x1p-25f)); // tie between 0 and 2^-24: to even, zero
        assertEquals(0x0001, bits(Math.nextUp(0x1p-25f)));
        assertEquals(0x0003, bits(0x1.8p-23f)); // exactly 3 units of 2^-24
        assertEquals(0x0002, bits(0x1.4p-23f)); // 2.5 units: tie, to even
        assertEquals(0x0004, bits(0x1.cp-23f)); // 3.5 units: tie, to even
        assertEquals(0x0000, bits(Float.MIN_VALUE));
        assertEquals(1f, Fp16.toFloat((short) 0x3C00));
        assertEquals(-2f, Fp16.toFloat((short) 0xC000));
        assertEquals(0x1p-24f, Fp16.toFloat((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, Fp16.toFloat((short) 0x7C00));
        assertTrue(Float.isNaN(Fp16.toFloat((short) 0x7E00)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Fp16.toFloat((short) 0x8000)));
    }

    @Test
    void everyHalfRoundTripsExactly() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) {
                continue; // NaNs
            }
            assertEquals(h, bits(Fp16.toFloat((short) h)), Integer.toHexString(h));
        }
    }

    /** Between every pair of neighbouring finite halves: below the midpoint, ties, and above. */
    @Test
    void roundsToNearestTiesToEven() {
        for (int sign : new int[] {0, 0x8000}) {
            for (int h = 0; h < 0x7BFF; h++) {
                float lo = Fp16.toFloat((short) (sign | h));
                float hi = Fp16.toFloat((short) (sign | (h + 1)));
                float mid = (lo + hi) / 2; // exact in float
                int even = (h & 1) == 0 ? h : h + 1;
                assertEquals(sign | even, bits(mid), "tie after " + Integer.toHexString(h));
                float towardLo = sign == 0 ? Math.nextDown(mid) : Math.nextUp(mid);
                float towardHi = sign == 0 ? Math.nextUp(mid) : Math.nextDown(mid);
                assertEquals(sign | h, bits(towardLo));
                assertEquals(sign | (h + 1), bits(towardHi));
            }
        }
    }
}
