package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.B64;
import static io.sluice.tensor.cpu.vector.VectorDecoders.F;
import static io.sluice.tensor.cpu.vector.VectorDecoders.I;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 blocks (fp16 d, 16 bytes of nibbles: low = elements 0..15, high = 16..31; value = (q - 8) * d).
 * No fused path: measured, decoding to floats and the float kernel beat it (its loop body is too large
 * for C2 to keep all vector operations intrinsified over several rows).
 */
final class VectorQ4_0Decoder implements RowDecoder {
    private static final IntVector MASK = IntVector.broadcast(I, 0x0f);
    private static final IntVector EIGHT = IntVector.broadcast(I, 8);

    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int o = outOffset, end = outOffset + count, b = at; o < end; o += 32, b += 18) {
            FloatVector d = FloatVector.broadcast(F, HalfFloat.read(src, b));
            // Sign extension of the bytes does not matter: the nibble masks drop it.
            IntVector q0 = (IntVector) ByteVector.fromArray(B64, src, b + 2).castShape(I, 0);
            IntVector q1 = (IntVector) ByteVector.fromArray(B64, src, b + 10).castShape(I, 0);
            toFloat(q0.and(MASK).sub(EIGHT)).mul(d).intoArray(out, o);
            toFloat(q1.and(MASK).sub(EIGHT)).mul(d).intoArray(out, o + 8);
            toFloat(q0.lanewise(VectorOperators.LSHR, 4).and(MASK).sub(EIGHT)).mul(d).intoArray(out, o + 16);
            toFloat(q1.lanewise(VectorOperators.LSHR, 4).and(MASK).sub(EIGHT)).mul(d).intoArray(out, o + 24);
        }
    }
}
