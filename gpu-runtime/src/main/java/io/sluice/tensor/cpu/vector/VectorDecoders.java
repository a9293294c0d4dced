package io.sluice.tensor.cpu.vector;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Species, constants and small helpers shared by the vector decoders. Decoders loop over groups of eight
 * elements rather than writing groups out: C2 stops inlining (and vector operations fall back to slow
 * boxed objects) once a compiled method grows past its node budget, which unrolled blocks exceed.
 */
final class VectorDecoders {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 0, 1, ..., 7: lane e of a group of eight reads bit e. */
    static final IntVector IOTA = IntVector.fromArray(I, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 0);
    static final IntVector NIBBLE = IntVector.broadcast(I, 0x0f);
    static final IntVector SIXTEEN = IntVector.broadcast(I, 16);

    private VectorDecoders() {
    }

    /** Eight consecutive bytes at {@code src[at]}, sign-extended to ints (for masked fields of them). */
    static IntVector bytes(byte[] src, int at) {
        return (IntVector) ByteVector.fromArray(B64, src, at).castShape(I, 0);
    }

    /** Eight consecutive bytes at {@code src[at]}, zero-extended to ints. */
    static IntVector unsignedBytes(byte[] src, int at) {
        return ((IntVector) ByteVector.fromArray(B64, src, at).castShape(I, 0)).and(0xff);
    }

    /** Eight consecutive signed bytes at {@code src[at]} as floats. */
    static FloatVector signedBytesAsFloats(byte[] src, int at) {
        return (FloatVector) ByteVector.fromArray(B64, src, at).castShape(F, 0);
    }

    /** Ints to floats (exact for the small quant values). */
    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** Bits {@code 0..7} of {@code bits} spread over the eight lanes as 0 or 16 (a fifth quant bit). */
    static IntVector fifthBits(int bits) {
        return IntVector.broadcast(I, bits << 4).lanewise(VectorOperators.LSHR, IOTA).and(SIXTEEN);
    }
}
