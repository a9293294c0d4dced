package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A Q4_0 matrix: blocks of 32 four-bit values offset by 8, with one fp16 scale (18 bytes). */
public final class Q4_0Tensor extends WeightTensor {
    Q4_0Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.Q4_0, data, rows, cols, backend);
    }
}
