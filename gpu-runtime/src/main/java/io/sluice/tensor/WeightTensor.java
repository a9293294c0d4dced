package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import io.sluice.tensor.cpu.CpuBackend;
import io.sluice.tensor.cpu.FloatKernel;
import io.sluice.tensor.cpu.Int8Kernel;
import io.sluice.tensor.cpu.Int8Kernels;
import io.sluice.tensor.cpu.Q8Activations;
import io.sluice.tensor.cpu.LaneSum;
import io.sluice.tensor.cpu.RowDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A weight matrix of {@code rows × cols} elements (a row = {@code cols} contiguous elements, ggml's ne0)
 * stored in ggml's layout for its type, read in place from a (typically memory-mapped) buffer.
 *
 * <p>Every product is replay-safe: the float for (activation row i, weight row r) is the dot product of
 * the dequantized row r with activation row i in the fixed order of
 * {@link io.sluice.tensor.cpu.FloatKernel}, so it is bit-identical whatever the batch size, the position
 * of the row in the batch, the row range, the thread split, or the method (dot, matmul, matvec) used, and
 * equal between the vector and scalar backends. Instances are immutable and safe to share between threads.
 */
public abstract class WeightTensor implements DeviceMatrix {
    /** Weight rows per tile of the batched product (products split between threads on tile boundaries). */
    public static final int TILE_ROWS = 4;
    /** Columns decoded at a time (a multiple of every block size). */
    static final int CHUNK = 512;

    private static final Set<GgmlType> SUPPORTED = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    private final GgmlType type;
    private final int rows;
    private final int cols;
    final int rowBytes;
    private final int blockSize;
    private final int blockBytes;
    /** The stored tensor, little-endian, read with absolute indices only. */
    final ByteBuffer data;
    private final RowDecoder decoder;
    final FloatKernel kernel;

    WeightTensor(GgmlType type, ByteBuffer data, int rows, int cols, CpuBackend backend) {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (int) type.bytesFor(cols);
        this.blockSize = type.blockSize();
        this.blockBytes = type.blockBytes();
        this.data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.decoder = type == GgmlType.F32 ? null : backend.decoder(type);   // F32Tensor reads floats directly
        this.kernel = backend.floatKernel();
    }

    /**
     * The tensor of {@code type} over {@code data} (position 0, capacity = exactly the tensor's bytes, read
     * as little-endian whatever the buffer's order), {@code rows × cols}, using the active CPU backend.
     *
     * @throws IllegalArgumentException when the type has no kernels, the shape is invalid, a row is not
     *     a whole number of blocks, or the buffer's size does not match
     */
    public static WeightTensor of(GgmlType type, ByteBuffer data, int rows, int cols) {
        return of(type, data, rows, cols, Backends.active());
    }

    /** As {@link #of(GgmlType, ByteBuffer, int, int)} with a chosen backend (tests, comparisons). */
    static WeightTensor of(GgmlType type, ByteBuffer data, int rows, int cols, CpuBackend backend) {
        if (type == null || data == null) {
            throw new IllegalArgumentException("tensor type and data are required");
        }
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException("tensor type " + type + " is not supported (supported: "
                    + SUPPORTED.stream().map(Enum::name).collect(Collectors.joining(", ")) + ")");
        }
        if (rows < 0 || cols <= 0) {
            throw new IllegalArgumentException("tensor shape " + rows + " x " + cols + " is invalid");
        }
        if (!type.fitsRow(cols)) {
            throw new IllegalArgumentException("tensor type " + type + " stores rows in blocks of "
                    + type.blockSize() + " elements, but a row has " + cols);
        }
        long bytes = type.bytesFor((long) rows * cols);
        if (data.capacity() != bytes) {
            throw new IllegalArgumentException("a " + type + " tensor of " + rows + " x " + cols + " takes "
                    + bytes + " bytes, but its buffer holds " + data.capacity());
        }
        switch (type) {
            case F32:
                return new F32Tensor(data, rows, cols, backend);
            case F16:
                return new F16Tensor(data, rows, cols, backend);
            case BF16:
                return new BF16Tensor(data, rows, cols, backend);
            case Q8_0:
                return new Q8_0Tensor(data, rows, cols, backend);
            case Q4_0:
                return new Q4_0Tensor(data, rows, cols, backend);
            case Q5_0:
                return new Q5_0Tensor(data, rows, cols, backend);
            case Q5_1:
                return new Q5_1Tensor(data, rows, cols, backend);
            case Q4_K:
                return new Q4_KTensor(data, rows, cols, backend);
            case Q5_K:
                return new Q5_KTensor(data, rows, cols, backend);
            case Q6_K:
                return new Q6_KTensor(data, rows, cols, backend);
            default:
                throw new IllegalStateException("no tensor class for " + type);
        }
    }

    /** The stored bytes (read-only, little-endian, position 0): what a device backend copies. */
    public ByteBuffer storage() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The storage type. */
    @Override
    public GgmlType type() {
        return type;
    }

    /** The number of rows (output features). */
    @Override
    public int rows() {
        return rows;
    }

    /** The number of elements per row (input features). */
    @Override
    public int cols() {
        return cols;
    }

    /** Writes row {@code row}, dequantized exactly as ggml does, to {@code out[outOffset .. + cols)}. */
    public void dequantizeRow(int row, float[] out, int outOffset) {
        checkRow(row);
        checkRange(out.length, outOffset, cols, "output");
        TileScratch s = TileScratch.acquire(1);
        try {
            loadTile(s, row, 1);
            decodeChunk(s, row, 0, 0, cols, out, outOffset);
        } finally {
            s.release();
        }
    }

    /** Row {@code row} · {@code x[xOffset .. xOffset + cols)}. */
    public float dot(int row, float[] x, int xOffset) {
        checkRow(row);
        checkRange(x.length, xOffset, cols, "activation");
        TileScratch s = TileScratch.acquire(1);
        try {
            product(s, x, xOffset, 1, s.single, 0, -row, row, row + 1);
            return s.single[0];
        } finally {
            s.release();
        }
    }

    /**
     * The batched product: {@code out[i * outStride + outOffset + r] = dot(r, x, i * cols)} for
     * {@code i < n} and {@code rowStart <= r < rowEnd}. Each tile of weight rows is decoded once for all
     * {@code n} activation rows.
     */
    public void matmul(float[] x, int n, float[] out, int outStride, int outOffset, int rowStart, int rowEnd) {
        if (n < 0 || rowStart < 0 || rowEnd > rows || rowStart > rowEnd) {
            throw new IllegalArgumentException("invalid product: n=" + n + ", rows [" + rowStart + ", " + rowEnd
                    + ") of " + rows);
        }
        if (n == 0 || rowStart == rowEnd) {
            return;
        }
        checkRange(x.length, 0, (long) n * cols, "activation");
        if (outOffset < 0 || outStride < 0
                || (long) (n - 1) * outStride + outOffset + rowEnd > out.length) {
            throw new IndexOutOfBoundsException("output array of " + out.length + " floats is too small for "
                    + n + " rows of stride " + outStride + " at offset " + outOffset + " up to row " + rowEnd);
        }
        TileScratch s = TileScratch.acquire(n);
        try {
            product(s, x, 0, n, out, outStride, outOffset, rowStart, rowEnd);
        } finally {
            s.release();
        }
    }

    /** Whether products of this tensor take 8-bit activations ({@link #matmulInt8}) rather than floats. */
    public boolean int8Activations() {
        return Int8Kernel.TYPES.contains(type);
    }

    /**
     * The product with 8-bit activations ({@link Int8Kernel}'s order; the same bits on every kernel path):
     * {@code out[i * outStride + outOffset + r] = row r · activation row i} for {@code i < x.rows()} and
     * {@code rowStart <= r < rowEnd}. Only for types where {@link #int8Activations()} holds.
     */
    public void matmulInt8(Q8Activations x, float[] out, int outStride, int outOffset, int rowStart, int rowEnd) {
        if (!int8Activations()) {
            throw new IllegalStateException(type + " products take float activations");
        }
        if (x.cols() != cols || rowStart < 0 || rowEnd > rows || rowStart > rowEnd) {
            throw new IllegalArgumentException("invalid product: " + x.cols() + "-wide activations, rows ["
                    + rowStart + ", " + rowEnd + ") of " + this);
        }
        int n = x.rows();
        if (n == 0 || rowStart == rowEnd) {
            return;
        }
        if (outOffset < 0 || outStride < 0 || (long) (n - 1) * outStride + outOffset + rowEnd > out.length) {
            throw new IndexOutOfBoundsException("output array of " + out.length + " floats is too small for "
                    + n + " rows of stride " + outStride + " at offset " + outOffset + " up to row " + rowEnd);
        }
        Int8Kernels.active().matmul(type, data, rowBytes, rowStart, rowEnd, x, out, outStride, outOffset);
    }

    /**
     * The tiled product behind dot and matmul; activation row i starts at {@code xOffset + i * cols}. Per
     * tile of rows: their stored bytes are loaded once, then either the decoder's fused path runs (one
     * activation row) or chunks are decoded to floats and fed to the float kernel for all activation rows.
     */
    private void product(TileScratch s, float[] x, int xOffset, int n, float[] out, int outStride, int outOffset,
            int rowStart, int rowEnd) {
        if (n == 1 && dotRowsInPlace(s, x, xOffset, out, outOffset, rowStart, rowEnd)) {
            return;
        }
        float[] w = s.weights;
        float[] acc = s.acc;
        int tail = cols % LaneSum.LANES;
        int cols8 = cols - tail;
        for (int r0 = rowStart; r0 < rowEnd; r0 += TILE_ROWS) {
            int tileRows = Math.min(TILE_ROWS, rowEnd - r0);
            loadTile(s, r0, tileRows);
            Arrays.fill(acc, 0, tileRows * n * LaneSum.LANES, 0f);
            boolean fused = n == 1 && accumulateFused(s, r0, tileRows, cols8, x, xOffset);
            for (int c0 = 0; !fused && c0 < cols8; c0 += CHUNK) {
                int len = Math.min(CHUNK, cols8 - c0);
                for (int r = 0; r < tileRows; r++) {
                    decodeChunk(s, r0, r, c0, len, w, r * CHUNK);
                }
                kernel.accumulate(w, CHUNK, tileRows, x, xOffset + c0, cols, n, len, acc);
            }
            if (tail > 0) {
                // Only plain types (block size 1) have rows that end off the eight lanes.
                for (int r = 0; r < tileRows; r++) {
                    decodeChunk(s, r0, r, cols8, tail, w, r * CHUNK);
                }
            }
            for (int r = 0; r < tileRows; r++) {
                for (int i = 0; i < n; i++) {
                    float v = LaneSum.sum(acc, (r * n + i) * LaneSum.LANES);
                    if (tail > 0) {
                        v = LaneSum.tail(v, w, r * CHUNK, x, xOffset + i * cols + cols8, tail);
                    }
                    out[i * outStride + outOffset + r0 + r] = v;
                }
            }
        }
    }

    /**
     * Makes rows {@code [r0, r0 + tileRows)} ready for {@link #decodeChunk}: copies their stored bytes to the
     * scratch in one bulk read (vector loads from a heap array are far faster than from a buffer).
     */
    void loadTile(TileScratch s, int r0, int tileRows) {
        data.get(r0 * rowBytes, s.bytes(TILE_ROWS * rowBytes), 0, tileRows * rowBytes);
    }

    /** Decodes elements {@code [c0, c0 + len)} of row {@code r0 + r} of the loaded tile into {@code out}. */
    void decodeChunk(TileScratch s, int r0, int r, int c0, int len, float[] out, int outOffset) {
        decoder.decode(s.bytes(0), r * rowBytes + byteOffset(c0), len, out, outOffset);
    }

    /**
     * One activation row against weight rows {@code [rowStart, rowEnd)} that need no decoding, read in place
     * ({@code out[outOffset + r]}), where the tensor can; false, doing nothing, where it cannot.
     */
    boolean dotRowsInPlace(TileScratch s, float[] x, int xOffset, float[] out, int outOffset, int rowStart,
            int rowEnd) {
        return false;
    }

    /** The decoder's fused single-activation path over the loaded tile (rows from {@code r0}), if it has one. */
    boolean accumulateFused(TileScratch s, int r0, int tileRows, int count, float[] x, int xOffset) {
        return decoder.accumulateRows(s.bytes(0), 0, rowBytes, tileRows, count, x, xOffset, s.acc);
    }

    /** The byte offset within a row of element {@code element}, a multiple of the block size. */
    private int byteOffset(int element) {
        return element / blockSize * blockBytes;
    }

    private void checkRow(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of a tensor with " + rows + " rows");
        }
    }

    private static void checkRange(int length, int offset, long count, String what) {
        if (offset < 0 || offset + count > length) {
            throw new IndexOutOfBoundsException(what + " array of " + length + " floats is too small for "
                    + count + " elements at offset " + offset);
        }
    }

    @Override
    public String toString() {
        return type + "[" + rows + " x " + cols + "]";
    }
}
