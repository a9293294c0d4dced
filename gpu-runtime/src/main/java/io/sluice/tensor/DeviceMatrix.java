package io.sluice.tensor;

import io.sluice.gguf.GgmlType;

/**
 * A weight matrix prepared for a backend by {@link ComputeBackend#matrix}: {@code rows × cols}, still in its
 * stored (possibly quantized) type. The CPU backend uses the {@link WeightTensor} over the memory map itself;
 * a GPU backend keeps a copy of the same bytes in device memory for the model's lifetime.
 */
public interface DeviceMatrix {
    GgmlType type();

    /** Output features. */
    int rows();

    /** Input features (elements per stored row). */
    int cols();
}
