package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A Q5_1 matrix: blocks of 32 five-bit values with an fp16 scale and an fp16 offset (24 bytes). */
public final class Q5_1Tensor extends WeightTensor {
    Q5_1Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.Q5_1, data, rows, cols, backend);
    }
}
