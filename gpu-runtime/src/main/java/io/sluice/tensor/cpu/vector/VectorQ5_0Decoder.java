package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.fifthBits;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.unsignedBytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q5_0 blocks (fp16 d, 32-bit qh, 16 bytes of nibbles; value = ((q | bit << 4) - 16) * d). */
final class VectorQ5_0Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 32, b += 22) {
            float d = HalfFloat.read(src, b);
            int qh = LittleEndian.int32(src, b + 2);
            IntVector q0 = unsignedBytes(src, b + 6);
            IntVector q1 = unsignedBytes(src, b + 14);
            toFloat(q0.and(0x0f).or(fifthBits(qh)).sub(16)).mul(d).intoArray(out, o);
            toFloat(q1.and(0x0f).or(fifthBits(qh >>> 8)).sub(16)).mul(d).intoArray(out, o + 8);
            toFloat(q0.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh >>> 16)).sub(16)).mul(d)
                    .intoArray(out, o + 16);
            toFloat(q1.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh >>> 24)).sub(16)).mul(d)
                    .intoArray(out, o + 24);
        }
    }
}
