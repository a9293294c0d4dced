package io.sluice.tensor.cuda;

import io.sluice.tensor.DeviceBuffer;
import jcuda.driver.CUdeviceptr;

/** Activations in device memory: rows × width floats, row-major. */
final class CudaBuffer implements DeviceBuffer {
    private final CudaCompute owner;
    private final int rows;
    private final int width;
    private final CUdeviceptr pointer;
    private boolean closed;

    CudaBuffer(CudaCompute owner, int rows, int width, CUdeviceptr pointer) {
        this.owner = owner;
        this.rows = rows;
        this.width = width;
        this.pointer = pointer;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int width() {
        return width;
    }

    CUdeviceptr pointer() {
        return pointer;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            owner.release(pointer, 4L * rows * width);
        }
    }
}
