package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;

/** BF16: the high 16 bits of a float. */
final class ScalarBF16Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int k = 0; k < count; k++) {
            out[outOffset + k] = Float.intBitsToFloat(LittleEndian.uint16(src, at + 2 * k) << 16);
        }
    }
}
