package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;

/**
 * Q4_0 blocks of 18 bytes: fp16 scale d, then 16 bytes whose low nibbles are elements 0..15 and high
 * nibbles elements 16..31; value = (nibble - 8) * d.
 */
final class ScalarQ4_0Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 18) {
            float d = HalfFloat.read(src, b);
            for (int j = 0; j < 16; j++) {
                int q = src[b + 2 + j] & 0xff;
                out[o + j] = ((q & 0x0f) - 8) * d;
                out[o + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
