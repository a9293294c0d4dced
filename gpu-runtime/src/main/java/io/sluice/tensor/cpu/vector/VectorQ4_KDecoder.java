package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.F;
import static io.sluice.tensor.cpu.vector.VectorDecoders.NIBBLE;
import static io.sluice.tensor.cpu.vector.VectorDecoders.bytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.KQuantScales;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q4_K super-blocks (layout in the scalar twin); value = (d * scale) * q - dmin * min. */
final class VectorQ4_KDecoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 256, b += 144) {
            float d = HalfFloat.read(src, b);
            float dmin = HalfFloat.read(src, b + 2);
            for (int j = 0; j < 4; j++) {
                FloatVector d1 = FloatVector.broadcast(F, d * KQuantScales.scale(src, b + 4, 2 * j));
                FloatVector m1 = FloatVector.broadcast(F, dmin * KQuantScales.min(src, b + 4, 2 * j));
                FloatVector d2 = FloatVector.broadcast(F, d * KQuantScales.scale(src, b + 4, 2 * j + 1));
                FloatVector m2 = FloatVector.broadcast(F, dmin * KQuantScales.min(src, b + 4, 2 * j + 1));
                int qs = b + 16 + 32 * j;
                int y = o + 64 * j;
                for (int g = 0; g < 32; g += 8) {
                    IntVector q = bytes(src, qs + g);
                    toFloat(q.and(NIBBLE)).mul(d1).sub(m1).intoArray(out, y + g);
                    toFloat(q.lanewise(VectorOperators.LSHR, 4).and(NIBBLE)).mul(d2).sub(m2).intoArray(out, y + 32 + g);
                }
            }
        }
    }
}
