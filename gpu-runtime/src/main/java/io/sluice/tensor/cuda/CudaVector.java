package io.sluice.tensor.cuda;

import io.sluice.tensor.DeviceVector;
import jcuda.driver.CUdeviceptr;

/** Floats in device memory (norm weights, biases). */
record CudaVector(int length, CUdeviceptr pointer) implements DeviceVector {
}
