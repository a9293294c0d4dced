package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.F;
import static io.sluice.tensor.cpu.vector.VectorDecoders.NIBBLE;
import static io.sluice.tensor.cpu.vector.VectorDecoders.SIXTEEN;
import static io.sluice.tensor.cpu.vector.VectorDecoders.bytes;
import static io.sluice.tensor.cpu.vector.VectorDecoders.fifthBits;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q5_0 blocks (fp16 d, 32-bit qh, 16 bytes of nibbles; value = ((q | bit << 4) - 16) * d). */
final class VectorQ5_0Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int o = outOffset, end = outOffset + count, b = at; o < end; o += 32, b += 22) {
            FloatVector d = FloatVector.broadcast(F, HalfFloat.read(src, b));
            int qh = LittleEndian.int32(src, b + 2);
            // Group g: elements 8g..8g+7 = low (g < 2) or high nibbles of bytes 8(g % 2)..; fifth bits 8g...
            for (int g = 0; g < 4; g++) {
                IntVector q = bytes(src, b + 6 + (g & 1) * 8).lanewise(VectorOperators.LSHR, (g >> 1) * 4).and(NIBBLE);
                toFloat(q.or(fifthBits(qh >>> (8 * g))).sub(SIXTEEN)).mul(d).intoArray(out, o + 8 * g);
            }
        }
    }
}
