package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.fifthBits;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.unsignedBytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q5_1 blocks (fp16 d, fp16 m, 32-bit qh, 16 bytes of nibbles; value = (q | bit << 4) * d + m). */
final class VectorQ5_1Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        int b = rowByte + (first / 32) * 24;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 24) {
            float d = HalfFloat.toFloat(data.getShort(b));
            float m = HalfFloat.toFloat(data.getShort(b + 2));
            int qh = data.getInt(b + 4);
            IntVector q0 = unsignedBytes(data, b + 8);
            IntVector q1 = unsignedBytes(data, b + 16);
            toFloat(q0.and(0x0f).or(fifthBits(qh))).mul(d).add(m).intoArray(out, o);
            toFloat(q1.and(0x0f).or(fifthBits(qh >>> 8))).mul(d).add(m).intoArray(out, o + 8);
            toFloat(q0.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh >>> 16))).mul(d).add(m)
                    .intoArray(out, o + 16);
            toFloat(q1.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh >>> 24))).mul(d).add(m)
                    .intoArray(out, o + 24);
        }
    }
}
