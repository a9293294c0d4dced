package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;

/**
 * Q5_1 blocks of 24 bytes: fp16 scale d, fp16 offset m, 32-bit qh (bit e = fifth bit of element e), then
 * 16 bytes of nibbles as in Q5_0; value = (nibble | bit << 4) * d + m.
 */
final class ScalarQ5_1Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 24) {
            float d = HalfFloat.read(src, b);
            float m = HalfFloat.read(src, b + 2);
            int qh = LittleEndian.int32(src, b + 4);
            for (int j = 0; j < 16; j++) {
                int q = src[b + 8 + j] & 0xff;
                int lo = (q & 0x0f) | (((qh >>> j) & 1) << 4);
                int hi = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                out[o + j] = lo * d + m;
                out[o + j + 16] = hi * d + m;
            }
        }
    }
}
