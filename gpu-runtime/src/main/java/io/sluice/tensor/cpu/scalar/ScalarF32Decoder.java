package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;

/** F32: plain little-endian floats, copied in bulk. */
final class ScalarF32Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        data.asFloatBuffer().get((rowByte >>> 2) + first, out, outOffset, count);
    }
}
