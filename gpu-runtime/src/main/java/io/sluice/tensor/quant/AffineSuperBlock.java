package io.sluice.tensor.quant;

import java.nio.ByteBuffer;

/**
 * Quantizes super-blocks of 256 values to Q4_K (4-bit levels, 144 bytes) or Q5_K (5-bit levels, 176
 * bytes). Each of the eight sub-blocks of 32 gets its own (scale, min) from {@link AffineFit}, weighted by
 * |x| plus the sub-block's RMS so that large weights are kept closer. The sixteen values are then stored as
 * 6-bit multiples of two fp16 super-block factors d and dmin; since rounding them to 6 bits moves every
 * sub-block's line, the neighbouring 6-bit codes of each pair are tried and the pair with the smallest
 * weighted error after re-rounding the levels is kept.
 *
 * <p>Layout (GGUF): fp16 d, fp16 dmin, 12 bytes of packed (scale, min) codes ({@link #packScales}), for Q5_K
 * 32 bytes of fifth bits (bit 2c + h of byte l belongs to element l of sub-block 2c + h), then 128 bytes of
 * nibbles: byte 32c + l holds element l of sub-block 2c (low) and of sub-block 2c + 1 (high). A value is
 * d * scale * q - dmin * min.
 */
final class AffineSuperBlock {

    static final int QK = 256;
    private static final int SUB = 32;
    private static final int SUBS = QK / SUB;

    private final int nmax;
    private final boolean fiveBit;
    private final AffineFit fit;
    private final float[] block = new float[QK];
    private final float[] weights = new float[QK];
    private final float[] scales = new float[SUBS];
    private final float[] mins = new float[SUBS];
    private final int[] scaleCodes = new int[SUBS];
    private final int[] minCodes = new int[SUBS];
    private final byte[] levels = new byte[QK];
    private final byte[] packed = new byte[12];

    private AffineSuperBlock(int nmax, AffineFit fit) {
        this.nmax = nmax;
        this.fiveBit = nmax == 31;
        this.fit = fit;
    }

    /** Q4_K: levels 0..15, ggml's search grid of 21 inverse scales from nmax - 1 by 0.1. */
    static AffineSuperBlock q4K() {
        return new AffineSuperBlock(15, new AffineFit(15, -1f, 0.1f, 20, SUB));
    }

    /** Q5_K: levels 0..31, ggml's grid of 16 inverse scales from nmax - 0.5 by 0.1. */
    static AffineSuperBlock q5K() {
        return new AffineSuperBlock(31, new AffineFit(31, -0.5f, 0.1f, 15, SUB));
    }

    /** Writes the super-block of x[at .. at + 256) at out's position (little-endian buffer), advancing it. */
    void quantize(float[] src, int at, ByteBuffer out) {
        float[] x = block;
        System.arraycopy(src, at, x, 0, QK);
        float maxScale = 0f;
        float maxMin = 0f;
        for (int j = 0; j < SUBS; j++) {
            int s = SUB * j;
            float sumSq = 0f;
            for (int i = 0; i < SUB; i++) {
                sumSq += x[s + i] * x[s + i];
            }
            float rms = (float) Math.sqrt(sumSq / SUB);
            for (int i = 0; i < SUB; i++) {
                weights[SUB * j + i] = rms + Math.abs(x[s + i]);
            }
            fit.fit(x, weights, levels, s, SUB);
            scales[j] = fit.scale();
            mins[j] = fit.min();
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        short dBits = Fp16.fromFloat(maxScale / 63f);
        short dminBits = Fp16.fromFloat(maxMin / 63f);
        float d = Fp16.toFloat(dBits);
        float dmin = Fp16.toFloat(dminBits);
        for (int j = 0; j < SUBS; j++) {
            int ls = d > 0f ? code(scales[j] / d) : 0;
            int lm = dmin > 0f ? code(mins[j] / dmin) : 0;
            refine(x, j, d, dmin, ls, lm);
        }
        packScales(scaleCodes, minCodes, packed);
        out.putShort(dBits);
        out.putShort(dminBits);
        out.put(packed);
        if (fiveBit) {
            for (int l = 0; l < SUB; l++) {
                int h = 0;
                for (int j = 0; j < SUBS; j++) {
                    h |= ((levels[SUB * j + l] >> 4) & 1) << j;
                }
                out.put((byte) h);
            }
        }
        for (int c = 0; c < SUBS / 2; c++) {
            for (int l = 0; l < SUB; l++) {
                int lo = levels[64 * c + l] & 0x0F;
                int hi = levels[64 * c + SUB + l] & 0x0F;
                out.put((byte) (lo | (hi << 4)));
            }
        }
    }

    private static int code(float v) {
        return (int) Math.min(63, Math.max(0, Math.round(Math.rint(v))));
    }

    /**
     * Chooses sub-block j's 6-bit (scale, min) codes among the nearest ones and the neighbours of each,
     * re-rounding the levels for each candidate; keeps the one with the smallest weighted error.
     */
    private void refine(float[] x, int j, float d, float dmin, int ls, int lm) {
        int s = SUB * j;
        float best = Float.POSITIVE_INFINITY;
        int bestLs = ls;
        int bestLm = lm;
        for (int cs = Math.max(0, ls - 1); cs <= Math.min(63, ls + 1); cs++) {
            float sd = d * cs;
            for (int cm = Math.max(0, lm - 1); cm <= Math.min(63, lm + 1); cm++) {
                float m = dmin * cm;
                float error = 0f;
                for (int i = 0; i < SUB; i++) {
                    float diff = sd * level(x[s + i], sd, m) - m - x[s + i];
                    error += weights[SUB * j + i] * diff * diff;
                }
                if (error < best) {
                    best = error;
                    bestLs = cs;
                    bestLm = cm;
                }
            }
        }
        scaleCodes[j] = bestLs;
        minCodes[j] = bestLm;
        float sd = d * bestLs;
        float m = dmin * bestLm;
        for (int i = 0; i < SUB; i++) {
            levels[SUB * j + i] = (byte) level(x[s + i], sd, m);
        }
    }

    private int level(float x, float sd, float m) {
        if (sd == 0f) {
            return 0;
        }
        return (int) Math.max(0, Math.min(nmax, Math.round(Math.rint((x + m) / sd))));
    }

    /**
     * Packs eight 6-bit (scale, min) code pairs into 12 bytes: pairs 0..3 in the low 6 bits of bytes 0..3
     * (scales) and 4..7 (mins); pairs 4..7 keep their low 4 bits in the nibbles of bytes 8..11 (scale low,
     * min high) and their top 2 bits in the top bits of bytes 0..3 (scales) and 4..7 (mins).
     */
    static void packScales(int[] scaleCodes, int[] minCodes, byte[] packed) {
        for (int j = 0; j < 4; j++) {
            int hiScale = scaleCodes[j + 4] >> 4;
            int hiMin = minCodes[j + 4] >> 4;
            packed[j] = (byte) (scaleCodes[j] | (hiScale << 6));
            packed[j + 4] = (byte) (minCodes[j] | (hiMin << 6));
            packed[j + 8] = (byte) ((scaleCodes[j + 4] & 0x0F) | ((minCodes[j + 4] & 0x0F) << 4));
        }
    }
}
