package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.KQuantScales;
import io.sluice.tensor.cpu.RowDecoder;

/**
 * Q5_K super-blocks of 256 elements in 176 bytes: fp16 d, fp16 dmin, 12 scale bytes as in Q4_K, 32 bytes
 * qh, then 128 bytes of nibbles laid out as in Q4_K. The fifth bit of element l of sub-block s (0..7) is
 * bit s of qh[l]; value = (d * scale) * q - dmin * min.
 */
final class ScalarQ5_KDecoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 256, b += 176) {
            float d = HalfFloat.read(src, b);
            float dmin = HalfFloat.read(src, b + 2);
            for (int j = 0; j < 4; j++) {
                float d1 = d * KQuantScales.scale(src, b + 4, 2 * j);
                float m1 = dmin * KQuantScales.min(src, b + 4, 2 * j);
                float d2 = d * KQuantScales.scale(src, b + 4, 2 * j + 1);
                float m2 = dmin * KQuantScales.min(src, b + 4, 2 * j + 1);
                int qs = b + 48 + 32 * j;
                int y = o + 64 * j;
                for (int l = 0; l < 32; l++) {
                    int q = src[qs + l] & 0xff;
                    int h = src[b + 16 + l] & 0xff;
                    out[y + l] = d1 * ((q & 0x0f) | (((h >>> (2 * j)) & 1) << 4)) - m1;
                    out[y + 32 + l] = d2 * ((q >>> 4) | (((h >>> (2 * j + 1)) & 1) << 4)) - m2;
                }
            }
        }
    }
}
