package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A matrix of 32-bit floats. */
public final class F32Tensor extends WeightTensor {
    F32Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.F32, data, rows, cols, backend);
    }
}
