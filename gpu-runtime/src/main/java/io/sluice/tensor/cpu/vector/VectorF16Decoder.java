package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.I;
import static io.sluice.tensor.cpu.vector.VectorDecoders.LE;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * F16: IEEE half floats, eight at a time by integer operations when all eight are normal numbers (exponent
 * rebias), otherwise through the scalar {@link HalfFloat}; same bits either way.
 */
final class VectorF16Decoder implements RowDecoder {
    private static final IntVector EXPONENT = IntVector.broadcast(I, 0x7c00);
    private static final IntVector MAGNITUDE = IntVector.broadcast(I, 0x7fff);
    private static final IntVector SIGN = IntVector.broadcast(I, 0x8000);
    private static final IntVector REBIAS = IntVector.broadcast(I, 112 << 23);

    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int k = 0;
        for (; k + 8 <= count; k += 8) {
            // Sign-extended shorts: the masks below take the 16 bits apart.
            IntVector h = (IntVector) ShortVector.fromByteArray(ShortVector.SPECIES_128, src, at + 2 * k, LE)
                    .castShape(I, 0);
            IntVector exponent = h.and(EXPONENT);
            VectorMask<Integer> rare = exponent.compare(VectorOperators.EQ, 0)
                    .or(exponent.compare(VectorOperators.EQ, 0x7c00));
            if (rare.anyTrue()) {
                for (int j = k; j < k + 8; j++) {
                    out[outOffset + j] = HalfFloat.read(src, at + 2 * j);
                }
            } else {
                h.and(MAGNITUDE).lanewise(VectorOperators.LSHL, 13).add(REBIAS)
                        .or(h.and(SIGN).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats().intoArray(out, outOffset + k);
            }
        }
        for (; k < count; k++) {
            out[outOffset + k] = HalfFloat.read(src, at + 2 * k);
        }
    }
}
