package io.sluice.tensor.cpu;

import io.sluice.tensor.DeviceBuffer;

/**
 * The CPU's activations: a float array on the Java heap, row-major, with room for its rows quantized to
 * 8 bits (the input of products on quantized weights, made once per product group and reused).
 */
public final class HeapBuffer implements DeviceBuffer {
    private final float[] data;
    private final int rows;
    private final int width;
    private final Q8Activations quantized = new Q8Activations();
    /** The allocating backend's accounting, run once on close. */
    private Runnable onClose;

    public HeapBuffer(int rows, int width) {
        this(rows, width, null);
    }

    HeapBuffer(int rows, int width, Runnable onClose) {
        this.data = new float[Math.multiplyExact(rows, width)];
        this.rows = rows;
        this.width = width;
        this.onClose = onClose;
    }

    @Override
    public synchronized void close() {
        if (onClose != null) {
            onClose.run();
            onClose = null;
        }
    }

    public float[] data() {
        return data;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int width() {
        return width;
    }

    /** Quantizes the first {@code n} rows to 8 bits and returns them. */
    Q8Activations quantize(int n) {
        quantized.quantize(data, n, width);
        return quantized;
    }
}
