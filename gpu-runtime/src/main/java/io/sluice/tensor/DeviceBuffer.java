package io.sluice.tensor;

/**
 * Activations owned by a backend: room for {@link #rows()} rows of {@link #width()} floats, row-major, in the
 * backend's memory (the Java heap for the CPU, device memory for a GPU). A step uses the first rows only;
 * the forward graph never reads the contents except through {@link ComputeBackend#download}.
 */
public interface DeviceBuffer extends AutoCloseable {
    /** Rows of capacity. */
    int rows();

    /** Floats per row. */
    int width();

    /** Frees device memory; heap buffers need nothing. Never used after closing. */
    @Override
    default void close() {
    }
}
