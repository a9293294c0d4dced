package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A Q5_K matrix: super-blocks of 256 five-bit values in eight sub-blocks with 6-bit scales and mins (176 bytes). */
public final class Q5_KTensor extends WeightTensor {
    Q5_KTensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.Q5_K, data, rows, cols, backend);
    }
}
