package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.unsignedBytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.KQuantScales;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q5_K super-blocks (layout in the scalar twin); value = (d * scale) * q - dmin * min. */
final class VectorQ5_KDecoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 256, b += 176) {
            float d = HalfFloat.read(src, b);
            float dmin = HalfFloat.read(src, b + 2);
            for (int j = 0; j < 4; j++) {
                float d1 = d * KQuantScales.scale(src, b + 4, 2 * j);
                float m1 = dmin * KQuantScales.min(src, b + 4, 2 * j);
                float d2 = d * KQuantScales.scale(src, b + 4, 2 * j + 1);
                float m2 = dmin * KQuantScales.min(src, b + 4, 2 * j + 1);
                int qs = b + 48 + 32 * j;
                int y = o + 64 * j;
                for (int g = 0; g < 32; g += 8) {
                    IntVector q = unsignedBytes(src, qs + g);
                    IntVector h = unsignedBytes(src, b + 16 + g);
                    IntVector h1 = h.lanewise(VectorOperators.LSHR, 2 * j).and(1).lanewise(VectorOperators.LSHL, 4);
                    IntVector h2 = h.lanewise(VectorOperators.LSHR, 2 * j + 1).and(1).lanewise(VectorOperators.LSHL, 4);
                    toFloat(q.and(0x0f).or(h1)).mul(d1).sub(m1).intoArray(out, y + g);
                    toFloat(q.lanewise(VectorOperators.LSHR, 4).or(h2)).mul(d2).sub(m2).intoArray(out, y + 32 + g);
                }
            }
        }
    }
}
