package io.sluice.tensor.cpu.vector;

import io.sluice.tensor.cpu.HalfNarrower;
import io.sluice.tensor.quant.Fp16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HalfNarrower} eight at a time, without branches, each lane computed three ways and the right one kept:
 * normal halves (|x| from 2⁻¹⁴) by rebiasing the exponent and rounding on the 13 dropped bits with an integer add
 * (0xfff plus the kept last bit: ties to even; a carry into the exponent is the correct result, up to infinity from
 * 65520 on); subnormal halves and zero by a float add of 0.5, whose last mantissa bit is worth 2⁻²⁴, the unit of a
 * subnormal half (the add rounds to nearest even); NaN to 0x7E00 and infinities (and anything from 65536 on) to
 * 0x7C00; then the sign. The same bits as {@link Fp16#fromFloat} (HalfNarrowerTest).
 */
public final class VectorHalfNarrower implements HalfNarrower {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    @Override
    public void narrow(float[] src, int from, short[] out, int outOffset, int len) {
        FloatVector half = FloatVector.broadcast(F, 0.5f);
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            IntVector bits = (IntVector) FloatVector.fromArray(F, src, from + i).reinterpretAsInts();
            IntVector abs = bits.and(0x7fff_ffff);
            IntVector normal = abs.add(((15 - 127) << 23) + 0xfff)
                    .add(abs.lanewise(VectorOperators.LSHR, 13).and(1))
                    .lanewise(VectorOperators.LSHR, 13);
            IntVector subnormal = ((IntVector) ((FloatVector) abs.reinterpretAsFloats()).add(half).reinterpretAsInts())
                    .sub(Float.floatToRawIntBits(0.5f));
            VectorMask<Integer> tiny = abs.compare(VectorOperators.LT, 113 << 23);
            VectorMask<Integer> large = abs.compare(VectorOperators.GE, (127 + 16) << 23);
            VectorMask<Integer> nan = abs.compare(VectorOperators.GT, 0x7f80_0000);
            IntVector h = normal.blend(subnormal, tiny)
                    .blend(IntVector.broadcast(abs.species(), 0x7c00), large)
                    .blend(IntVector.broadcast(abs.species(), 0x7e00), nan)
                    .or(bits.lanewise(VectorOperators.LSHR, 16).and(0x8000));
            // the low 16 bits of each lane, as (short) keeps them
            ((ShortVector) h.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoArray(out, outOffset + i);
        }
        for (; i < len; i++) {
            out[outOffset + i] = Fp16.fromFloat(src[from + i]);
        }
    }
}
