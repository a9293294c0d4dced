package io.sluice.operators.inference;

import java.io.Serializable;

/** Where an inference subtask asks its engine to run: the CPU, or one GPU by its index on the host. */
public record Device(Kind kind, int index) implements Serializable {

    public enum Kind { CPU, GPU }

    public static final Device CPU = new Device(Kind.CPU, -1);

    public static Device gpu(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
        }
        return new Device(Kind.GPU, index);
    }

    public boolean isGpu() {
        return kind == Kind.GPU;
    }

    @Override
    public String toString() {
        return isGpu() ? "gpu:" + index : "cpu";
    }
}
