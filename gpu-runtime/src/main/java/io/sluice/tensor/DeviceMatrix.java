package io.sluice.tensor;

import io.sluice.gguf.GgmlType;

/**
 * A weight matrix prepared for a backend by {@link ComputeBackend#matrix}: {@code rows × cols}, still in its
 * stored (possibly quantized) type. The CPU backend uses the {@link WeightTensor} over the memory map itself;
 * a GPU backend keeps a copy of the same bytes in device memory for the model's lifetime.
 */
public interface DeviceMatrix extends AutoCloseable {
    GgmlType type();

    /** Output features. */
    int rows();

    /** Input features (elements per stored row). */
    int cols();

    /**
     * Frees the device memory it holds; idempotent. What lives on the host (the CPU backend's views of the
     * memory map, heap copies) needs nothing. Never used after closing.
     */
    @Override
    default void close() {
    }
}
