package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.I;
import static io.sluice.tensor.cpu.vector.VectorDecoders.LE;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * F16: IEEE half floats, converted eight at a time with integer operations (no arithmetic on subnormal
 * floats, which is slow on x86); same bits as {@link HalfFloat}.
 */
final class VectorF16Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int k = 0;
        for (; k + 8 <= count; k += 8) {
            IntVector h = ((IntVector) ShortVector.fromByteArray(ShortVector.SPECIES_128, src, at + 2 * k, LE)
                    .castShape(I, 0)).and(0xffff);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector exponent = h.and(0x7c00);
            IntVector mantissa = h.and(0x3ff);
            IntVector normal = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).add(112 << 23);
            IntVector special = mantissa.lanewise(VectorOperators.LSHL, 13).or(0x7f800000);
            IntVector subnormal = ((FloatVector) mantissa.convert(VectorOperators.I2F, 0)).mul(0x1p-24f)
                    .reinterpretAsInts();
            VectorMask<Integer> isZeroExp = exponent.compare(VectorOperators.EQ, 0);
            VectorMask<Integer> isMaxExp = exponent.compare(VectorOperators.EQ, 0x7c00);
            IntVector bits = normal.blend(subnormal, isZeroExp).blend(special, isMaxExp).or(sign);
            bits.reinterpretAsFloats().intoArray(out, outOffset + k);
        }
        for (; k < count; k++) {
            out[outOffset + k] = HalfFloat.read(src, at + 2 * k);
        }
    }
}
