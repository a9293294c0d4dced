package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.signedBytes;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;

/** Q8_0 blocks (fp16 d, 32 signed bytes q; value = q * d), eight values per step. */
final class VectorQ8_0Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        int b = rowByte + (first / 32) * 34;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 34) {
            float d = HalfFloat.toFloat(data.getShort(b));
            toFloat(signedBytes(data, b + 2)).mul(d).intoArray(out, o);
            toFloat(signedBytes(data, b + 10)).mul(d).intoArray(out, o + 8);
            toFloat(signedBytes(data, b + 18)).mul(d).intoArray(out, o + 16);
            toFloat(signedBytes(data, b + 26)).mul(d).intoArray(out, o + 24);
        }
    }
}
