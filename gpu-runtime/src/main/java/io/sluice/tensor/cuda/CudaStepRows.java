package io.sluice.tensor.cuda;

import io.sluice.tensor.StepRows;
import jcuda.driver.CUdeviceptr;

/** A step's rows on the device: the {@link StepUpload} ints at {@code pointer}. */
record CudaStepRows(StepUpload layout, CUdeviceptr pointer) implements StepRows {
    @Override
    public int size() {
        return layout.rows();
    }

    @Override
    public int logitRows() {
        return layout.logitRows();
    }

    CUdeviceptr at(int intOffset) {
        return pointer.withByteOffset(4L * intOffset);
    }

    CUdeviceptr tokens() {
        return at(layout.tokens());
    }

    CUdeviceptr positions() {
        return at(layout.positions());
    }

    CUdeviceptr slots() {
        return at(layout.slots());
    }

    CUdeviceptr tableOffsets() {
        return at(layout.tableOffsets());
    }

    CUdeviceptr logitRowIndexes() {
        return at(layout.logitRowIndexes());
    }

    CUdeviceptr tables() {
        return at(layout.tables());
    }
}
