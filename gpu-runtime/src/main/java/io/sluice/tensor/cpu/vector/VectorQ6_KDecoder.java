package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.unsignedBytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q6_K super-blocks (layout in the scalar twin); value = (d * scale) * (q - 32). */
final class VectorQ6_KDecoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int b = at;
        for (int o = outOffset, end = outOffset + count; o < end; o += 256, b += 210) {
            float d = HalfFloat.read(src, b + 208);
            for (int half = 0; half < 2; half++) {
                int ql = b + 64 * half;
                int qh = b + 128 + 32 * half;
                int sc = b + 192 + 8 * half;
                int y = o + 128 * half;
                for (int g = 0; g < 32; g += 8) {
                    int is = g / 16;
                    IntVector low = unsignedBytes(src, ql + g);
                    IntVector high = unsignedBytes(src, ql + 32 + g);
                    IntVector h = unsignedBytes(src, qh + g);
                    IntVector q1 = low.and(0x0f).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q2 = high.and(0x0f)
                            .or(h.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q3 = low.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q4 = high.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    toFloat(q1).mul(d * src[sc + is]).intoArray(out, y + g);
                    toFloat(q2).mul(d * src[sc + is + 2]).intoArray(out, y + 32 + g);
                    toFloat(q3).mul(d * src[sc + is + 4]).intoArray(out, y + 64 + g);
                    toFloat(q4).mul(d * src[sc + is + 6]).intoArray(out, y + 96 + g);
                }
            }
        }
    }
}
