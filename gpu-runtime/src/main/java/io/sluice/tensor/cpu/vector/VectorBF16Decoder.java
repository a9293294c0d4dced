package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.I;
import static io.sluice.tensor.cpu.vector.VectorDecoders.LE;

import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** BF16: the high 16 bits of a float. */
final class VectorBF16Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int k = 0;
        for (; k + 8 <= count; k += 8) {
            // Sign extension fills the high half, which the shift pushes out.
            ((IntVector) ShortVector.fromByteArray(ShortVector.SPECIES_128, src, at + 2 * k, LE).castShape(I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, outOffset + k);
        }
        for (; k < count; k++) {
            out[outOffset + k] = Float.intBitsToFloat(LittleEndian.uint16(src, at + 2 * k) << 16);
        }
    }
}
