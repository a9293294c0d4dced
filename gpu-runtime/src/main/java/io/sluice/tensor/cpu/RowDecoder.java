package io.sluice.tensor.cpu;

import java.nio.ByteBuffer;

/**
 * Turns stored weights of one tensor type into floats, exactly as ggml's dequantize_row_* does; one
 * implementation per (type, backend). Every backend's decoder of a type yields the same bits.
 */
public interface RowDecoder {
    /**
     * Decodes {@code count} elements of the row that starts at byte {@code rowByte}, beginning with element
     * {@code first}, into {@code out[outOffset ..]}. For block types {@code first} is a multiple of the block
     * size and {@code count} a multiple of it too. {@code data} is little-endian and is read with absolute
     * indices only, so one buffer may be decoded from many threads at once.
     */
    void decode(ByteBuffer data, int rowByte, int first, int count, float[] out, int outOffset);
}
