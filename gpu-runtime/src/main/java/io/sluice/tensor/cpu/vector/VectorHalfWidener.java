package io.sluice.tensor.cpu.vector;

import io.sluice.tensor.cpu.HalfWidener;
import io.sluice.tensor.quant.Fp16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HalfWidener} eight at a time, without branches: the magnitude's bits moved into a float's place and
 * multiplied by 2¹¹² (exact: it rebiases normal halves and makes subnormal ones normal floats), infinities and NaNs
 * (exponent 31) given a float's all-ones exponent with their mantissa, then the sign; the same bits as
 * {@link Fp16#toFloat}, checked for every one of the 65536 patterns.
 */
public final class VectorHalfWidener implements HalfWidener {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    @Override
    public void widen(short[] src, int from, float[] out, int outOffset, int len) {
        IntVector magnitude = IntVector.broadcast(I, 0x7fff);
        IntVector exponent = IntVector.broadcast(I, 0x7c00);
        IntVector sign = IntVector.broadcast(I, 0x8000);
        IntVector infinity = IntVector.broadcast(I, 0x7f80_0000);
        FloatVector rebias = FloatVector.broadcast(F, 0x1p112f);
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            // sign-extended shorts: the masks take the 16 bits apart
            IntVector h = (IntVector) ShortVector.fromArray(S, src, from + i).castShape(I, 0);
            IntVector m = h.and(magnitude);
            FloatVector f = ((FloatVector) m.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats()).mul(rebias);
            VectorMask<Integer> special = h.and(exponent).compare(VectorOperators.EQ, 0x7c00);
            IntVector bits = ((IntVector) f.reinterpretAsInts())
                    .blend(m.and(0x3ff).lanewise(VectorOperators.LSHL, 13).or(infinity), special)
                    .or(h.and(sign).lanewise(VectorOperators.LSHL, 16));
            ((FloatVector) bits.reinterpretAsFloats()).intoArray(out, outOffset + i);
        }
        for (; i < len; i++) {
            out[outOffset + i] = Fp16.toFloat(src[from + i]);
        }
    }
}
