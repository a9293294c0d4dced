package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;

/** Q8_0 blocks of 34 bytes: fp16 scale d, then 32 signed bytes q; value = q * d. */
final class ScalarQ8_0Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 34) {
            float d = HalfFloat.read(src, b);
            for (int j = 0; j < 32; j++) {
                out[o + j] = src[b + 2 + j] * d;
            }
        }
    }
}
