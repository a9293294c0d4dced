package io.sluice.tensor.cpu;

import io.sluice.tensor.cpu.scalar.ScalarElementKernel;
import java.util.Optional;

/**
 * Chooses the {@link ElementKernel} once per class loader: the Vector API one where {@link Backends} chose the
 * Vector API (the incubator module is present, the CPU has 256-bit vectors, and {@code sluice.cpu.backend=scalar}
 * is not set), else the scalar one. Both compute the same bits.
 */
public final class ElementKernels {
    private static final String VECTOR_KERNEL = "io.sluice.tensor.cpu.vector.VectorElementKernel";

    private ElementKernels() {
    }

    /** The kernel of every element-wise operation. */
    public static ElementKernel active() {
        return Holder.ACTIVE;
    }

    /** The scalar kernel, the reference of the others. */
    public static ElementKernel scalar() {
        return ScalarElementKernel.INSTANCE;
    }

    /**
     * The Vector API kernel when the incubator module is present, else empty (loaded by name, so that nothing
     * touches the module when it is absent).
     */
    public static Optional<ElementKernel> vector() {
        return Backends.vectorInstance(VECTOR_KERNEL, ElementKernel.class);
    }

    private static final class Holder {
        static final ElementKernel ACTIVE = Backends.active() == Backends.scalar() ? scalar() : vector().orElse(scalar());
    }
}
