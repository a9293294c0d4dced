package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A matrix of IEEE half floats. */
public final class F16Tensor extends WeightTensor {
    F16Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.F16, data, rows, cols, backend);
    }
}
