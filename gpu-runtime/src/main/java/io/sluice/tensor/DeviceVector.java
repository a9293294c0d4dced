package io.sluice.tensor;

/** A small float vector prepared for a backend: norm weights and biases. */
public interface DeviceVector extends AutoCloseable {
    int length();

    /**
     * Frees the device memory it holds; idempotent. What lives on the host (the CPU backend's views of the
     * memory map, heap copies) needs nothing. Never used after closing.
     */
    @Override
    default void close() {
    }
}
