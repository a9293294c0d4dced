package io.sluice.tensor.cpu;

import io.sluice.tensor.quant.Fp16;

/**
 * Floats to half floats ({@link Fp16#fromFloat}: to nearest, ties to even), as an F16 KV cache stores every key and
 * value it is given: scalar, or eight at a time with the Vector API where {@link Backends} chose it; the same bits.
 */
public interface HalfNarrower {
    /** {@code out[outOffset + i] = Fp16.fromFloat(src[from + i])} for {@code i < len}. */
    void narrow(float[] src, int from, short[] out, int outOffset, int len);

    /** The narrower of this JVM: the Vector API one where the CPU backend is the vector one, else scalar. */
    static HalfNarrower active() {
        return Holder.ACTIVE;
    }

    /** {@link Fp16#fromFloat}, one by one: the reference. */
    HalfNarrower SCALAR = (src, from, out, outOffset, len) -> {
        for (int i = 0; i < len; i++) {
            out[outOffset + i] = Fp16.fromFloat(src[from + i]);
        }
    };

    /** Chosen once per class loader. */
    final class Holder {
        static final HalfNarrower ACTIVE = Backends.active() == Backends.scalar() ? SCALAR
                : Backends.vectorInstance("io.sluice.tensor.cpu.vector.VectorHalfNarrower", HalfNarrower.class)
                        .orElse(SCALAR);

        private Holder() {
        }
    }
}
