package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A Q4_K matrix: super-blocks of 256 four-bit values in eight sub-blocks with 6-bit scales and mins (144 bytes). */
public final class Q4_KTensor extends WeightTensor {
    Q4_KTensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.Q4_K, data, rows, cols, backend);
    }
}
