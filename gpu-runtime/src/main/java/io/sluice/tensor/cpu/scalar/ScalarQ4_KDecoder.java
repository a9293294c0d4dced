package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.KQuantScales;
import io.sluice.tensor.cpu.RowDecoder;

/**
 * Q4_K super-blocks of 256 elements in 144 bytes: fp16 d, fp16 dmin, 12 bytes of 6-bit (scale, min) pairs
 * for eight sub-blocks of 32 ({@link KQuantScales}), then 128 bytes of nibbles. Bytes 32j..32j+31 hold
 * sub-block 2j in their low nibbles and 2j+1 in their high nibbles; value = (d * scale) * q - dmin * min.
 */
final class ScalarQ4_KDecoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 256, b += 144) {
            float d = HalfFloat.read(src, b);
            float dmin = HalfFloat.read(src, b + 2);
            for (int j = 0; j < 4; j++) {
                float d1 = d * KQuantScales.scale(src, b + 4, 2 * j);
                float m1 = dmin * KQuantScales.min(src, b + 4, 2 * j);
                float d2 = d * KQuantScales.scale(src, b + 4, 2 * j + 1);
                float m2 = dmin * KQuantScales.min(src, b + 4, 2 * j + 1);
                int qs = b + 16 + 32 * j;
                int y = o + 64 * j;
                for (int l = 0; l < 32; l++) {
                    int q = src[qs + l] & 0xff;
                    out[y + l] = d1 * (q & 0x0f) - m1;
                    out[y + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }
}
