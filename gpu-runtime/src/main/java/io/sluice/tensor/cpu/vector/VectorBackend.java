package io.sluice.tensor.cpu.vector;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import io.sluice.tensor.cpu.FloatKernel;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;

/**
 * Kernels on the Java Vector API with 256-bit float vectors (eight lanes, the lane count the
 * {@link FloatKernel} order is defined with). Loaded by name only when the incubator module is present.
 */
public final class VectorBackend implements CpuBackend {
    public VectorBackend() {
        if (FloatVector.SPECIES_PREFERRED.length() < VectorDecoders.F.length()) {
            // 256-bit vectors would be emulated in Java, slower than the scalar backend.
            throw new UnsupportedOperationException("the CPU has no 256-bit vectors (preferred species "
                    + FloatVector.SPECIES_PREFERRED + ")");
        }
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public RowDecoder decoder(GgmlType type) {
        switch (type) {
            case F16:
                return new VectorF16Decoder();
            case BF16:
                return new VectorBF16Decoder();
            case Q8_0:
                return new VectorQ8_0Decoder();
            case Q4_0:
                return new VectorQ4_0Decoder();
            case Q5_0:
                return new VectorQ5_0Decoder();
            case Q5_1:
                return new VectorQ5_1Decoder();
            case Q4_K:
                return new VectorQ4_KDecoder();
            case Q5_K:
                return new VectorQ5_KDecoder();
            case Q6_K:
                return new VectorQ6_KDecoder();
            default:
                throw new IllegalArgumentException("no CPU kernels for tensor type " + type);
        }
    }

    @Override
    public FloatKernel floatKernel() {
        return VectorFloatKernel.INSTANCE;
    }
}
