package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A matrix of bfloat16 values (the high half of a float). */
public final class BF16Tensor extends WeightTensor {
    BF16Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.BF16, data, rows, cols, backend);
    }
}
