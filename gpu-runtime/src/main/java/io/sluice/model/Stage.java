package io.sluice.model;

import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.DeviceRope;

/**
 * One device's part of a model: its backend, the layers {@code [first, end)} it runs with their weights, and its
 * copy of the RoPE tables. A model on one device has one stage with every layer.
 */
final class Stage implements AutoCloseable {
    final ComputeBackend backend;
    final int first;
    final int end;
    final ModelWeights weights;
    final DeviceRope rope;

    Stage(ComputeBackend backend, int first, int end, ModelWeights weights, DeviceRope rope) {
        this.backend = backend;
        this.first = first;
        this.end = end;
        this.weights = weights;
        this.rope = rope;
    }

    int layers() {
        return end - first;
    }

    /** Frees the stage's weights and tables on its device. */
    @Override
    public void close() {
        try {
            rope.close();
        } finally {
            weights.close();
        }
    }
}
