package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A Q5_0 matrix: blocks of 32 five-bit values offset by 16, with one fp16 scale (22 bytes). */
public final class Q5_0Tensor extends WeightTensor {
    Q5_0Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.Q5_0, data, rows, cols, backend);
    }
}
