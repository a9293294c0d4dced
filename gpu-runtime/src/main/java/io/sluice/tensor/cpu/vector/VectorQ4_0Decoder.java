package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.unsignedBytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q4_0 blocks (fp16 d, 16 bytes of nibbles: low = elements 0..15, high = 16..31; value = (q - 8) * d). */
final class VectorQ4_0Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        int b = rowByte + (first / 32) * 18;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 18) {
            float d = HalfFloat.toFloat(data.getShort(b));
            IntVector q0 = unsignedBytes(data, b + 2);
            IntVector q1 = unsignedBytes(data, b + 10);
            toFloat(q0.and(0x0f).sub(8)).mul(d).intoArray(out, o);
            toFloat(q1.and(0x0f).sub(8)).mul(d).intoArray(out, o + 8);
            toFloat(q0.lanewise(VectorOperators.LSHR, 4).sub(8)).mul(d).intoArray(out, o + 16);
            toFloat(q1.lanewise(VectorOperators.LSHR, 4).sub(8)).mul(d).intoArray(out, o + 24);
        }
    }
}
