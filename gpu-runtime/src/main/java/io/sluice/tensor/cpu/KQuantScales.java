package io.sluice.tensor.cpu;

/**
 * The 6-bit sub-block scales and mins of Q4_K and Q5_K: eight (scale, min) pairs packed into 12 bytes.
 * Pairs 0..3 sit in the low 6 bits of bytes 0..3 (scales) and 4..7 (mins); pairs 4..7 take their low 4
 * bits from the nibbles of bytes 8..11 and their high 2 bits from the top bits of bytes 0..7
 * (ggml's get_scale_min_k4).
 */
public final class KQuantScales {
    private KQuantScales() {
    }

    /** The scale of sub-block {@code j} (0..7), scale bytes starting at {@code src[at]}. */
    public static int scale(byte[] src, int at, int j) {
        if (j < 4) {
            return src[at + j] & 63;
        }
        return (src[at + j + 4] & 0x0f) | (((src[at + j - 4] & 0xff) >>> 6) << 4);
    }

    /** The min of sub-block {@code j} (0..7), scale bytes starting at {@code src[at]}. */
    public static int min(byte[] src, int at, int j) {
        if (j < 4) {
            return src[at + j + 4] & 63;
        }
        return ((src[at + j + 4] & 0xff) >>> 4) | (((src[at + j] & 0xff) >>> 6) << 4);
    }
}
