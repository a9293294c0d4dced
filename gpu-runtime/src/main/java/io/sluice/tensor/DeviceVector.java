package io.sluice.tensor;

/** A small float vector prepared for a backend: norm weights and biases. */
public interface DeviceVector {
    int length();
}
