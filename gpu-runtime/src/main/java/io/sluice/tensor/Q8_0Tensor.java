package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A Q8_0 matrix: blocks of 32 signed bytes with one fp16 scale (34 bytes). */
public final class Q8_0Tensor extends WeightTensor {
    Q8_0Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.Q8_0, data, rows, cols, backend);
    }
}
