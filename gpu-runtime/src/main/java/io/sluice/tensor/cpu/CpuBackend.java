package io.sluice.tensor.cpu;

import io.sluice.gguf.GgmlType;

/**
 * One way of running the CPU kernels: the Java Vector API or plain scalar code. All backends compute the
 * same bits; they differ in speed only.
 */
public interface CpuBackend {
    /** A short name for logs ("vector", "scalar"). */
    String name();

    /**
     * The decoder of {@code type}; IllegalArgumentException when the type has none (F32, whose rows are
     * floats already, and types without kernels).
     */
    RowDecoder decoder(GgmlType type);

    /** The float kernel. */
    FloatKernel floatKernel();
}
