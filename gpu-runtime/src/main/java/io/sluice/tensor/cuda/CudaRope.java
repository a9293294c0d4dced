package io.sluice.tensor.cuda;

import io.sluice.tensor.DeviceRope;
import io.sluice.tensor.RopeTable;
import jcuda.driver.CUdeviceptr;

/**
 * The host's RoPE cos/sin tables copied to the device once, so every backend rotates with the same numbers: one
 * allocation, cos then sin.
 */
final class CudaRope extends CudaAllocation implements DeviceRope {
    private final RopeTable table;

    CudaRope(CudaCompute owner, RopeTable table, CUdeviceptr tables) {
        super(owner, tables, 8L * table.cos().length);
        this.table = table;
    }

    @Override
    public RopeTable table() {
        return table;
    }

    CUdeviceptr cos() {
        return pointer();
    }

    CUdeviceptr sin() {
        return pointer().withByteOffset(4L * table.cos().length);
    }
}
