package io.sluice.tensor.cuda;

import io.sluice.tensor.DeviceRope;
import io.sluice.tensor.RopeTable;
import jcuda.driver.CUdeviceptr;

/** The host's RoPE cos/sin tables copied to the device once, so every backend rotates with the same numbers. */
record CudaRope(RopeTable table, CUdeviceptr cos, CUdeviceptr sin) implements DeviceRope {
}
