package io.sluice.tensor.cpu;

import io.sluice.tensor.DeviceVector;

/** The CPU's small vectors (norm weights, biases): a float array on the Java heap. */
public final class HeapVector implements DeviceVector {
    private final float[] data;
    /** The allocating backend's accounting, run once on close. */
    private Runnable onClose;

    HeapVector(float[] data, Runnable onClose) {
        this.data = data;
        this.onClose = onClose;
    }

    public float[] data() {
        return data;
    }

    @Override
    public int length() {
        return data.length;
    }

    @Override
    public synchronized void close() {
        if (onClose != null) {
            onClose.run();
            onClose = null;
        }
    }
}
