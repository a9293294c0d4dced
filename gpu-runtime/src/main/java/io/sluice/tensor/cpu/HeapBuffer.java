package io.sluice.tensor.cpu;

import io.sluice.tensor.DeviceBuffer;

/** The CPU's activations: a float array on the Java heap, row-major. */
public record HeapBuffer(float[] data, int rows, int width) implements DeviceBuffer {
    public HeapBuffer(int rows, int width) {
        this(new float[Math.multiplyExact(rows, width)], rows, width);
    }
}
