package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;

/** A Q6_K matrix: super-blocks of 256 six-bit values in sixteen sub-blocks with 8-bit scales (210 bytes). */
public final class Q6_KTensor extends WeightTensor {
    Q6_KTensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.Q6_K, data, rows, cols, backend);
    }
}
