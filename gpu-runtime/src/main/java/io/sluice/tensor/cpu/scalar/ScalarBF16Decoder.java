package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;

/** BF16: the high 16 bits of a float. */
final class ScalarBF16Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        int at = rowByte + 2 * first;
        for (int k = 0; k < count; k++) {
            out[outOffset + k] = Float.intBitsToFloat((data.getShort(at + 2 * k) & 0xffff) << 16);
        }
    }
}
