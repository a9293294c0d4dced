package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;

/** F32: plain little-endian floats. */
final class ScalarF32Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int k = 0; k < count; k++) {
            out[outOffset + k] = Float.intBitsToFloat(LittleEndian.int32(src, at + 4 * k));
        }
    }
}
