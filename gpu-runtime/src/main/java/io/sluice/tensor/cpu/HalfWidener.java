package io.sluice.tensor.cpu;

import io.sluice.tensor.quant.Fp16;

/**
 * Half floats (16-bit patterns in a {@code short[]}, as an F16 KV cache holds them) to floats, exactly
 * ({@link Fp16#toFloat}): scalar, or eight at a time with the Vector API where {@link Backends} chose it. Java 17
 * has no fast conversion of its own, and the Java attention over an F16 cache widens every key and value it reads.
 */
public interface HalfWidener {
    /** {@code out[outOffset + i] = Fp16.toFloat(src[from + i])} for {@code i < len}. */
    void widen(short[] src, int from, float[] out, int outOffset, int len);

    /** The widener of this JVM: the Vector API one where the CPU backend is the vector one, else scalar. */
    static HalfWidener active() {
        return Holder.ACTIVE;
    }

    /** {@link Fp16#toFloat}, one by one: the reference. */
    HalfWidener SCALAR = (src, from, out, outOffset, len) -> {
        for (int i = 0; i < len; i++) {
            out[outOffset + i] = Fp16.toFloat(src[from + i]);
        }
    };

    /** Chosen once per class loader. */
    final class Holder {
        static final HalfWidener ACTIVE = Backends.active() == Backends.scalar() ? SCALAR
                : Backends.vectorInstance("io.sluice.tensor.cpu.vector.VectorHalfWidener", HalfWidener.class)
                        .orElse(SCALAR);

        private Holder() {
        }
    }
}
