package io.sluice.tensor.quant;

/**
 * IEEE 754 half precision conversions. {@link #fromFloat} rounds to nearest, ties to even, as ggml's
 * GGML_FP32_TO_FP16 does (both its F16C path and its portable bit-manipulation path): values beyond the half
 * range become infinities, tiny values become subnormals or zero, NaN becomes the quiet NaN 0x7E00 with the
 * input's sign.
 */
public final class Fp16 {

    private Fp16() {
    }

    /** The half-precision bits nearest to {@code value}. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFF_FFFF;
        if (abs > 0x7F80_0000) {
            return (short) (sign | 0x7E00);
        }
        if (abs >= 0x477F_F000) {
            // 65520 and above: halfway past the largest half (65504) rounds to even, i.e. to infinity.
            return (short) (sign | 0x7C00);
        }
        if (abs >= 0x3880_0000) {
            // Normal half: rebias the exponent, keep 10 mantissa bits, round on the 13 dropped ones.
            int exponent = (abs >>> 23) - 127 + 15;
            int mantissa = abs & 0x7F_FFFF;
            int h = (exponent << 10) | (mantissa >>> 13);
            int dropped = mantissa & 0x1FFF;
            if (dropped > 0x1000 || (dropped == 0x1000 && (h & 1) != 0)) {
                h++; // a carry into the exponent is the correct result
            }
            return (short) (sign | h);
        }
        // Subnormal half (or zero): the value in units of 2^-24, rounded to nearest even.
        int exponent = abs >>> 23;
        if (exponent == 0) {
            return (short) sign; // zero or a float subnormal: far below half's smallest subnormal
        }
        int significand = (abs & 0x7F_FFFF) | 0x80_0000;
        int shift = 126 - exponent; // value / 2^-24 = significand * 2^(exponent - 126)
        if (shift > 24) {
            return (short) sign;
        }
        int h = significand >>> shift;
        int rest = significand & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (h & 1) != 0)) {
            h++;
        }
        return (short) (sign | h);
    }

    /** The float value of half-precision bits (exact). */
    public static float toFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent != 0) {
            return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
        }
        // Zero or subnormal: mantissa * 2^-24, exact in float.
        float magnitude = mantissa * 0x1p-24f;
        return sign != 0 ? -magnitude : magnitude;
    }
}
