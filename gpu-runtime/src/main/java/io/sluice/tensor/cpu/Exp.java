package io.sluice.tensor.cpu;

/**
 * {@code e^x} in float from a fixed sequence of IEEE operations, so that scalar Java, the Vector API (whose
 * lanewise fused multiply-add rounds once, as {@link Math#fma} does) and any CPU give the same bits;
 * {@link Math#exp} is free to differ between JVMs and instruction sets. Within 1 ulp of the exact value
 * (measured over every float from -104 to 89: see ExpTest). The sequence, one rounding per step:
 * <ol>
 *   <li>{@code x = min(max(x, -104), 89)} (Java's max and min: NaN stays NaN); beyond these bounds the result
 *       is 0 or +inf anyway;</li>
 *   <li>{@code t = fma(x, LOG2E, 1.5·2²³)}: its low mantissa bits are {@code n = round(x / ln 2)}, ties to even;
 *       {@code n = bits(t) − bits(1.5·2²³)} and {@code nf = t − 1.5·2²³};</li>
 *   <li>{@code r = fma(nf, −LN2_LO, fma(nf, −LN2_HI, x))}: {@code LN2_HI} has 15 significant bits, so the
 *       inner result is exact and {@code |r| ≤ 0.35};</li>
 *   <li>{@code p = 1 + r·(1 + r·(C2 + r·(C3 + r·(C4 + r·(C5 + r·C6)))))} in Horner form, one fma per step (a
 *       minimax fit of e^r on that interval: relative error 5e-9);</li>
 *   <li>{@code (p · 2^(n >> 1)) · 2^(n − (n >> 1))}, each power of two made from exponent bits: the first
 *       product is exact, the second rounds once, so results overflow to +inf and underflow gradually to 0
 *       exactly as a correctly rounded {@code p · 2ⁿ} would.</li>
 * </ol>
 */
public final class Exp {
    public static final float MIN_INPUT = -104f;
    public static final float MAX_INPUT = 89f;
    public static final float LOG2E = 0x1.715476p0f;
    /** 1.5·2²³: adding it rounds any float of magnitude below 2²² to an integer held in the low mantissa bits. */
    public static final float MAGIC = 0x1.8p23f;
    public static final int MAGIC_BITS = 0x4B400000;
    public static final float LN2_HI = 0x1.62e4p-1f;
    public static final float LN2_LO = 0x1.7f7d1cp-20f;
    public static final float C2 = 0x1.fffffcp-2f;
    public static final float C3 = 0x1.55548ap-3f;
    public static final float C4 = 0x1.555916p-5f;
    public static final float C5 = 0x1.123fc6p-7f;
    public static final float C6 = 0x1.6a1a72p-10f;
    /** The exponent bias of a float. */
    public static final int BIAS = 127;

    private Exp() {
    }

    /** {@code e^x} by the sequence above. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, MIN_INPUT), MAX_INPUT);
        float t = Math.fma(x, LOG2E, MAGIC);
        int n = Float.floatToRawIntBits(t) - MAGIC_BITS;
        float nf = t - MAGIC;
        float r = Math.fma(nf, -LN2_LO, Math.fma(nf, -LN2_HI, x));
        float p = Math.fma(r, C6, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int n1 = n >> 1;
        int n2 = n - n1;
        return p * Float.intBitsToFloat((n1 + BIAS) << 23) * Float.intBitsToFloat((n2 + BIAS) << 23);
    }
}
