package io.sluice.tensor.cuda;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.DeviceMatrix;
import jcuda.driver.CUdeviceptr;

/** A weight matrix in device memory, in its GGUF encoding: row n at {@code n * rowBytes}. */
record CudaMatrix(GgmlType type, int rows, int cols, long rowBytes, CUdeviceptr pointer) implements DeviceMatrix {
}
