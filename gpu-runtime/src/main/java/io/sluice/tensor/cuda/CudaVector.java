package io.sluice.tensor.cuda;

import io.sluice.tensor.DeviceVector;
import jcuda.driver.CUdeviceptr;

/** Floats in device memory (norm weights, biases). */
final class CudaVector extends CudaAllocation implements DeviceVector {
    private final int length;

    CudaVector(CudaCompute owner, int length, CUdeviceptr pointer) {
        super(owner, pointer, 4L * length);
        this.length = length;
    }

    @Override
    public int length() {
        return length;
    }
}
