package io.sluice.tensor.cuda;

import io.sluice.tensor.DeviceBuffer;
import jcuda.driver.CUdeviceptr;

/** Activations in device memory: rows × width floats, row-major. */
final class CudaBuffer extends CudaAllocation implements DeviceBuffer {
    private final int rows;
    private final int width;

    CudaBuffer(CudaCompute owner, int rows, int width, CUdeviceptr pointer) {
        super(owner, pointer, 4L * rows * width);
        this.rows = rows;
        this.width = width;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int width() {
        return width;
    }
}
