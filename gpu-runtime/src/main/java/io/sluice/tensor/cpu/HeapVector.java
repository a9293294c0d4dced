package io.sluice.tensor.cpu;

import io.sluice.tensor.DeviceVector;

/** The CPU's small vectors (norm weights, biases): a float array on the Java heap. */
public record HeapVector(float[] data) implements DeviceVector {
    @Override
    public int length() {
        return data.length;
    }
}
