package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;

/**
 * Q4_0 blocks of 18 bytes: fp16 scale d, then 16 bytes whose low nibbles are elements 0..15 and high
 * nibbles elements 16..31; value = (nibble - 8) * d.
 */
final class ScalarQ4_0Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        int b = rowByte + (first / 32) * 18;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 18) {
            float d = HalfFloat.toFloat(data.getShort(b));
            for (int j = 0; j < 16; j++) {
                int q = data.get(b + 2 + j) & 0xff;
                out[o + j] = ((q & 0x0f) - 8) * d;
                out[o + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
