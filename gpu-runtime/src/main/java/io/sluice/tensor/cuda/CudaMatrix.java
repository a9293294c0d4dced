package io.sluice.tensor.cuda;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.DeviceMatrix;
import jcuda.driver.CUdeviceptr;

/** A weight matrix in device memory, in its GGUF encoding: row n at {@code n * rowBytes}. */
final class CudaMatrix extends CudaAllocation implements DeviceMatrix {
    private final GgmlType type;
    private final int rows;
    private final int cols;
    private final long rowBytes;

    CudaMatrix(CudaCompute owner, GgmlType type, int rows, int cols, long rowBytes, CUdeviceptr pointer, long bytes) {
        super(owner, pointer, bytes);
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = rowBytes;
    }

    @Override
    public GgmlType type() {
        return type;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    long rowBytes() {
        return rowBytes;
    }
}
