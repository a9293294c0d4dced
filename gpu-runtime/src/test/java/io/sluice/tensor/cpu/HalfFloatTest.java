package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatTest {
    /** Every one of the 65536 bit patterns against the value defined by IEEE 754 binary16. */
    @Test
    void convertsEveryPatternExactly() {
        for (int h = 0; h < 0x10000; h++) {
            int exponent = (h >> 10) & 0x1f;
            int mantissa = h & 0x3ff;
            double sign = (h & 0x8000) != 0 ? -1 : 1;
            float actual = HalfFloat.toFloat(h);
            if (exponent == 31) {
                if (mantissa == 0) {
                    assertEquals(sign * Double.POSITIVE_INFINITY, actual, 0.0);
                } else {
                    assertTrue(Float.isNaN(actual), "pattern " + Integer.toHexString(h));
                }
                continue;
            }
            double expected = exponent == 0
                    ? sign * mantissa * Math.pow(2, -24)
                    : sign * (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            assertEquals((float) expected, actual, 0f, "pattern " + Integer.toHexString(h));
            assertEquals((h & 0x8000) != 0, (Float.floatToRawIntBits(actual) & 0x80000000) != 0, "sign");
        }
    }
}
