package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;

/** F16: IEEE half floats. */
final class ScalarF16Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        int at = rowByte + 2 * first;
        for (int k = 0; k < count; k++) {
            out[outOffset + k] = HalfFloat.toFloat(data.getShort(at + 2 * k));
        }
    }
}
