package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.I;
import static io.sluice.tensor.cpu.vector.VectorDecoders.LE;

import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** BF16: the high 16 bits of a float. */
final class VectorBF16Decoder implements RowDecoder {
    @Override
    public void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset) {
        int at = rowByte + 2 * first;
        int k = 0;
        for (; k + 8 <= count; k += 8) {
            // Sign extension fills the high half, which the shift pushes out.
            ((IntVector) ShortVector.fromByteBuffer(ShortVector.SPECIES_128, data, at + 2 * k, LE).castShape(I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, outOffset + k);
        }
        for (; k < count; k++) {
            out[outOffset + k] = Float.intBitsToFloat((data.getShort(at + 2 * k) & 0xffff) << 16);
        }
    }
}
