package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;

/**
 * Q5_0 blocks of 22 bytes: fp16 scale d, a 32-bit little-endian word qh whose bit e is the fifth bit of
 * element e, then 16 bytes of low nibbles (elements 0..15) and high nibbles (16..31);
 * value = ((nibble | bit << 4) - 16) * d.
 */
final class ScalarQ5_0Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 22) {
            float d = HalfFloat.read(src, b);
            int qh = LittleEndian.int32(src, b + 2);
            for (int j = 0; j < 16; j++) {
                int q = src[b + 6 + j] & 0xff;
                int lo = (q & 0x0f) | (((qh >>> j) & 1) << 4);
                int hi = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                out[o + j] = (lo - 16) * d;
                out[o + j + 16] = (hi - 16) * d;
            }
        }
    }
}
