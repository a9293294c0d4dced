package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.F;
import static io.sluice.tensor.cpu.vector.VectorDecoders.I;
import static io.sluice.tensor.cpu.vector.VectorDecoders.NIBBLE;
import static io.sluice.tensor.cpu.vector.VectorDecoders.bytes;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 blocks (fp16 d, 16 bytes of nibbles: low = elements 0..15, high = 16..31; value = (q - 8) * d).
 * No fused path: measured, decoding to floats and the float kernel beat it (its loop body is too large
 * for C2 to keep all vector operations intrinsified over several rows).
 */
final class VectorQ4_0Decoder implements RowDecoder {
    private static final IntVector EIGHT = IntVector.broadcast(I, 8);

    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int o = outOffset, end = outOffset + count, b = at; o < end; o += 32, b += 18) {
            FloatVector d = FloatVector.broadcast(F, HalfFloat.read(src, b));
            // Group g: low (g < 2) or high nibbles of bytes 8 (g % 2) .. 8 (g % 2) + 7; sign extension of the
            // bytes does not matter, the nibble mask drops it.
            for (int g = 0; g < 4; g++) {
                IntVector q = bytes(src, b + 2 + (g & 1) * 8).lanewise(VectorOperators.LSHR, (g >> 1) * 4).and(NIBBLE);
                toFloat(q.sub(EIGHT)).mul(d).intoArray(out, o + 8 * g);
            }
        }
    }

}
