package io.sluice.tensor.cpu;

/**
 * IEEE 754 half precision (fp16) to float conversion, exact for every input (subnormals, infinities and
 * NaN payloads included). Kept here rather than shared so that the kernels depend on nothing outside
 * their package.
 */
public final class HalfFloat {
    private HalfFloat() {
    }

    /** The float with the same value as the fp16 bit pattern in the low 16 bits of {@code bits}. */
    public static float toFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0) {
            // Subnormal or zero: mantissa * 2^-24, exact in float; the sign is applied by negation so that
            // a negative zero stays negative.
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        if (exponent == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** The little-endian fp16 value at {@code src[at]}. */
    public static float read(byte[] src, int at) {
        return toFloat(LittleEndian.uint16(src, at));
    }
}
