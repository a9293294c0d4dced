package io.sluice.tensor;

/** A {@link RopeTable} prepared for a backend (a GPU uploads its cos/sin tables once). */
public interface DeviceRope extends AutoCloseable {
    /** The host table it was made from. */
    RopeTable table();

    /**
     * Frees the device memory it holds; idempotent. What lives on the host (the CPU backend's views of the
     * memory map, heap copies) needs nothing. Never used after closing.
     */
    @Override
    default void close() {
    }
}
