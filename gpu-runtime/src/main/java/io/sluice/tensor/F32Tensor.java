package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * A matrix of 32-bit floats. Rows need no decoding. A tensor of up to {@link #HEAP_COPY_FLOATS} floats is copied
 * to the heap once at load: a single activation row then reads its rows in place, and batched products copy
 * chunks from the heap array. Larger tensors stay in the buffer, and chunks are bulk-copied from a float view of
 * it into the product's scratch (a copy that costs as much as the product itself at one activation row, but
 * their size would double the heap use).
 */
public final class F32Tensor extends WeightTensor {
    /** 16 MiB of floats: a small model's (a draft's) weights; the Vector API cannot load fast from a buffer. */
    static final int HEAP_COPY_FLOATS = 1 << 22;

    private final FloatBuffer floats;
    /** The floats on the heap, or null for a large tensor. */
    private final float[] heap;

    F32Tensor(ByteBuffer data, int rows, int cols, CpuBackend backend) {
        super(GgmlType.F32, data, rows, cols, backend);
        this.floats = this.data.asFloatBuffer();
        long count = (long) rows * cols;
        if (count <= HEAP_COPY_FLOATS) {
            heap = new float[(int) count];
            floats.get(0, heap);
        } else {
            heap = null;
        }
    }

    @Override
    void loadTile(TileScratch s, int r0, int tileRows) {
        // Nothing to stage: decodeChunk reads the buffer.
    }

    @Override
    void decodeChunk(TileScratch s, int r0, int r, int c0, int len, float[] out, int outOffset) {
        int at = (r0 + r) * cols() + c0;
        if (heap != null) {
            System.arraycopy(heap, at, out, outOffset, len);
        } else {
            floats.get(at, out, outOffset, len);
        }
    }

    @Override
    boolean dotRowsInPlace(TileScratch s, float[] x, int xOffset, float[] out, int outOffset, int rowStart,
            int rowEnd) {
        if (heap == null) {
            return false;
        }
        kernel.dotRows(heap, rowStart * cols(), cols(), rowEnd - rowStart, x, xOffset, cols(), out,
                outOffset + rowStart, s.weights);
        return true;
    }

    @Override
    boolean accumulateFused(TileScratch s, int r0, int tileRows, int count, float[] x, int xOffset) {
        if (heap == null) {
            return false;
        }
        kernel.accumulateRows(heap, r0 * cols(), cols(), tileRows, x, xOffset, count, s.acc);
        return true;
    }
}
