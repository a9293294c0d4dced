package io.sluice.tensor.cpu;

/**
 * Turns stored weights of one tensor type into floats, exactly as ggml's dequantize_row_* does; one
 * implementation per (type, backend). Every backend's decoder of a type yields the same bits. Decoders
 * read a heap copy of the stored bytes: the Vector API loads from arrays far faster than from buffers.
 */
public interface RowDecoder {
    /**
     * Decodes {@code count} elements whose storage starts at {@code src[at]} into
     * {@code out[outOffset ..]}. For block types {@code at} is the start of a block and {@code count} a
     * multiple of the block size.
     */
    void decode(byte[] src, int at, int count, float[] out, int outOffset);

    /**
     * Optionally, the decode-and-accumulate of one activation row fused: for each of {@code rows} weight
     * rows (storage at {@code src[at + r * rowStride] ..]}, continues the eight lane accumulators at
     * {@code acc[r * 8 ..]} over {@code count} elements (a multiple of 8 and of the block size) with
     * {@code x[xOffset ..]}, in exactly the {@link FloatKernel} order, with the same dequantized values as
     * {@link #decode}. Returns false, doing nothing, when this decoder has no fused path.
     */
    default boolean accumulateRows(byte[] src, int at, int rowStride, int rows, int count, float[] x, int xOffset,
            float[] acc) {
        return false;
    }
}
