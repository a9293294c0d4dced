package io.sluice.tensor;

/** A {@link RopeTable} prepared for a backend (a GPU uploads its cos/sin tables once). */
public interface DeviceRope {
    /** The host table it was made from. */
    RopeTable table();
}
