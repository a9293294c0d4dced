package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;

/** F16: IEEE half floats. */
final class ScalarF16Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int k = 0; k < count; k++) {
            out[outOffset + k] = HalfFloat.read(src, at + 2 * k);
        }
    }
}
