package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * A matrix of 32-bit floats. Rows need no decoding: chunks are bulk-copied from a float view of the buffer
 * straight into the product's scratch.
 */
public final class F32Tensor extends WeightTensor {
    private final FloatBuffer floats;

    F32Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.F32, data, rows, cols, backend);
        this.floats = this.data.asFloatBuffer();
    }

    @Override
    void loadTile(TileScratch s, int r0, int tileRows) {
        // Nothing to stage: decodeChunk reads the buffer.
    }

    @Override
    void decodeChunk(TileScratch s, int r0, int r, int c0, int len, float[] out, int outOffset) {
        floats.get((r0 + r) * cols() + c0, out, outOffset, len);
    }

    @Override
    boolean accumulateFused(TileScratch s, int tileRows, int count, float[] x, int xOffset) {
        return false;
    }
}
