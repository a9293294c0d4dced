package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.unsignedBytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.KQuantScales;
import io.sluice.tensor.cpu.RowDecoder;
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
                float d1 = d * KQuantScales.scale(src, b + 4, 2 * j);
                float m1 = dmin * KQuantScales.min(src, b + 4, 2 * j);
                float d2 = d * KQuantScales.scale(src, b + 4, 2 * j + 1);
                float m2 = dmin * KQuantScales.min(src, b + 4, 2 * j + 1);
                int qs = b + 16 + 32 * j;
                int y = o + 64 * j;
                for (int g = 0; g < 32; g += 8) {
                    IntVector q = unsignedBytes(src, qs + g);
                    toFloat(q.and(0x0f)).mul(d1).sub(m1).intoArray(out, y + g);
                    toFloat(q.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).intoArray(out, y + 32 + g);
                }
            }
        }
    }
}
