package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.I;
import static io.sluice.tensor.cpu.vector.VectorDecoders.NIBBLE;
import static io.sluice.tensor.cpu.vector.VectorDecoders.bytes;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q6_K super-blocks (layout in the scalar twin); value = (d * scale) * (q - 32). */
final class VectorQ6_KDecoder implements RowDecoder {
    private static final IntVector THREE = IntVector.broadcast(I, 3);
    private static final IntVector THIRTY_TWO = IntVector.broadcast(I, 32);

    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int o = outOffset, end = outOffset + count, b = at; o < end; o += 256, b += 210) {
            float d = HalfFloat.read(src, b + 208);
            for (int half = 0; half < 2; half++) {
                int ql = b + 64 * half;
                int qh = b + 128 + 32 * half;
                int sc = b + 192 + 8 * half;
                int y = o + 128 * half;
                // Quarter t of the half: nibbles of ql[32 (t % 2) + l] (low for t < 2), bits 2t.. of qh[l].
                for (int t = 0; t < 4; t++) {
                    for (int l = 0; l < 32; l += 8) {
                        IntVector low = bytes(src, ql + 32 * (t & 1) + l).lanewise(VectorOperators.LSHR, (t >> 1) * 4)
                                .and(NIBBLE);
                        IntVector high = bytes(src, qh + l).lanewise(VectorOperators.LSHR, 2 * t).and(THREE)
                                .lanewise(VectorOperators.LSHL, 4);
                        toFloat(low.or(high).sub(THIRTY_TWO)).mul(d * src[sc + 2 * t + l / 16])
                                .intoArray(out, y + 32 * t + l);
                    }
                }
            }
        }
    }
}
