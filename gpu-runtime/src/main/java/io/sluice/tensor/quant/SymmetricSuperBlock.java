package io.sluice.tensor.quant;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Quantizes super-blocks of 256 values to Q6_K (210 bytes): sixteen sub-blocks of 16, each with a signed
 * 8-bit scale code times one fp16 factor d, and 6-bit levels q in [-32, 31]; a value is d * scale * q.
 *
 * <p>Each sub-block's scale comes from a search over 19 trial inverse scales around 32 / max|x| (the
 * element of largest magnitude maps to -32, the end of the range with room), keeping the trial whose
 * levels give the smallest error weighted by x² at its least-squares scale, as ggml's reference does. The
 * scales are then coded as multiples of d = (largest scale) / -128; each sub-block keeps whichever of the
 * nearest code and its two neighbours gives the smallest weighted error after re-rounding its levels.
 *
 * <p>Layout (GGUF): 128 bytes ql, 64 bytes qh, 16 scale codes, fp16 d. For half h (128 elements) and
 * element l of 0..31: ql[64h + l] holds the low 4 bits of elements 128h + l (low nibble) and + 64 (high),
 * ql[64h + 32 + l] those of + 32 and + 96, and qh[32h + l] the high 2 bits of + 0, + 32, + 64, + 96 in bit
 * pairs 0, 2, 4, 6. Levels are stored plus 32.
 */
final class SymmetricSuperBlock {

    static final int QK = 256;
    private static final int SUB = 16;
    private static final int SUBS = QK / SUB;
    private static final int NMAX = 32;
    private static final float EPS = 1e-15f;

    private final float[] block = new float[QK];
    private final float[] scales = new float[SUBS];
    private final byte[] codes = new byte[SUBS];
    private final byte[] levels = new byte[QK];
    private final byte[] trial = new byte[SUB];

    /** Writes the super-block of x[at .. at + 256) at out's position (little-endian buffer), advancing it. */
    void quantize(float[] src, int at, ByteBuffer out) {
        float[] x = block;
        System.arraycopy(src, at, x, 0, QK);
        float maxScale = 0f;
        for (int j = 0; j < SUBS; j++) {
            scales[j] = fit(x, SUB * j);
            if (Math.abs(scales[j]) > Math.abs(maxScale)) {
                maxScale = scales[j];
            }
        }
        if (Math.abs(maxScale) < EPS) {
            for (int i = 0; i < QK / 2 + QK / 4 + SUBS; i++) {
                out.put((byte) 0);
            }
            out.putShort((short) 0);
            return;
        }
        float inv = -128f / maxScale;
        short dBits = Fp16.fromFloat(1f / inv);
        float d = Fp16.toFloat(dBits);
        for (int j = 0; j < SUBS; j++) {
            int code = (int) Math.min(127, Math.round(Math.rint(inv * scales[j])));
            refine(x, j, d, code);
        }
        for (int h = 0; h < 2; h++) {
            int base = 128 * h;
            for (int l = 0; l < 32; l++) {
                out.put((byte) ((stored(base + l) & 0x0F) | ((stored(base + l + 64) & 0x0F) << 4)));
            }
            for (int l = 0; l < 32; l++) {
                out.put((byte) ((stored(base + l + 32) & 0x0F) | ((stored(base + l + 96) & 0x0F) << 4)));
            }
        }
        for (int h = 0; h < 2; h++) {
            int base = 128 * h;
            for (int l = 0; l < 32; l++) {
                int bits = 0;
                for (int k = 0; k < 4; k++) {
                    bits |= (stored(base + l + 32 * k) >> 4) << (2 * k);
                }
                out.put((byte) bits);
            }
        }
        out.put(codes);
        out.putShort(dBits);
    }

    private int stored(int i) {
        return levels[i] + NMAX;
    }

    /**
     * The scale for x[s .. s + 16) (levels left in {@code levels}); 0 when the sub-block is all zero. The
     * sign follows the element of largest magnitude, which maps to level -32.
     */
    private float fit(float[] x, int s) {
        float max = 0f;
        float amax = 0f;
        for (int i = 0; i < SUB; i++) {
            float a = Math.abs(x[s + i]);
            if (a > amax) {
                amax = a;
                max = x[s + i];
            }
        }
        if (amax < EPS) {
            Arrays.fill(levels, s, s + SUB, (byte) 0);
            return 0f;
        }
        float bestScale = 0f;
        float bestGain = -1f;
        for (int k = 0; k <= 18; k++) {
            // k = 0 is the plain inverse scale; then -0.9 .. +0.9 around it, skipping the plain one again.
            float inv = k == 0 ? -NMAX / max : -(NMAX + 0.1f * (k <= 9 ? k - 10 : k - 9)) / max;
            float sumLX = 0f;
            float sumL2 = 0f;
            for (int i = 0; i < SUB; i++) {
                float v = x[s + i];
                int q = clampLevel(Math.round(Math.rint(inv * v)));
                trial[i] = (byte) q;
                float w = v * v;
                sumLX += w * v * q;
                sumL2 += w * q * q;
            }
            // At its least-squares scale a trial's weighted error is Σw x² - sumLX² / sumL2: maximize the gain.
            if (sumL2 > 0f && (bestGain < 0f || sumLX * sumLX > bestGain * sumL2)) {
                bestScale = sumLX / sumL2;
                bestGain = bestScale * sumLX;
                System.arraycopy(trial, 0, levels, s, SUB);
            } else if (k == 0) {
                System.arraycopy(trial, 0, levels, s, SUB);
                bestGain = 0f;
            }
        }
        return bestScale;
    }

    private void refine(float[] x, int j, float d, int code) {
        int s = SUB * j;
        float best = Float.POSITIVE_INFINITY;
        int bestCode = code;
        for (int c = Math.max(-128, code - 1); c <= Math.min(127, code + 1); c++) {
            float sd = d * c;
            float error = 0f;
            for (int i = 0; i < SUB; i++) {
                float v = x[s + i];
                float diff = sd * level(v, sd) - v;
                error += v * v * diff * diff;
            }
            if (error < best) {
                best = error;
                bestCode = c;
            }
        }
        codes[j] = (byte) bestCode;
        float sd = d * bestCode;
        for (int i = 0; i < SUB; i++) {
            levels[s + i] = (byte) level(x[s + i], sd);
        }
    }

    private static int level(float v, float sd) {
        return sd == 0f ? 0 : clampLevel(Math.round(Math.rint(v / sd)));
    }

    private static int clampLevel(long q) {
        return (int) Math.max(-NMAX, Math.min(NMAX - 1, q));
    }
}
