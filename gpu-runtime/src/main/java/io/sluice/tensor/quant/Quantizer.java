package io.sluice.tensor.quant;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts float rows to the storage types Sluice writes (F32, F16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K,
 * Q6_K) and back (for the plain types and the 32-element blocks). The 32-element quantizers reproduce ggml's
 * reference functions (quantize_row_q8_0_ref, _q4_0_ref, _q5_0_ref, _q5_1_ref) bit for bit, so files
 * quantized here match llama.cpp's. The K-quants (super-blocks of 256, {@link AffineSuperBlock},
 * {@link SymmetricSuperBlock}) run the same kind of weighted scale search as ggml's reference quantizer and
 * then refine the 6- and 8-bit scale codes, so their error is at most llama.cpp's (see KQuantAccuracyTest).
 * Rows must be whole blocks of the type.
 *
 * <p>Q8_0 block (34 bytes): scale d as fp16, then 32 signed bytes; x = d * q. Q4_0 block (18 bytes): scale
 * d as fp16, then 16 bytes whose low nibbles hold elements 0..15 and high nibbles elements 16..31;
 * x = d * (q - 8). Q5_0 (22 bytes): d, 32 fifth bits (bit j of a little-endian int for element j), then the
 * nibbles as in Q4_0; x = d * (q - 16). Q5_1 (24 bytes): d, m as fp16, the fifth bits, the nibbles;
 * x = d * q + m.
 */
public final class Quantizer {

    public static final int BLOCK = 32;

    private Quantizer() {
    }

    /** Whether {@link #quantize} can produce this type. */
    public static boolean canQuantizeTo(GgmlType type) {
        return switch (type) {
            case F32, F16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Whether {@link #dequantize} can read this type. */
    public static boolean canDequantize(GgmlType type) {
        return type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.BF16 || type == GgmlType.Q8_0
                || type == GgmlType.Q4_0;
    }

    /** Quantizes {@code values} (a whole number of blocks of the type) into a new little-endian array. */
    public static byte[] quantize(GgmlType type, float[] values) {
        long size = type.bytesFor(values.length);
        if (size < 0) {
            throw new IllegalArgumentException(values.length + " values are not whole blocks of " + type);
        }
        byte[] out = new byte[(int) size];
        quantize(type, values, 0, values.length, ByteBuffer.wrap(out));
        return out;
    }

    /**
     * Writes {@code n} values from {@code src[offset]} in {@code type} at {@code dst}'s position (advancing
     * it); {@code dst}'s byte order is ignored: the output is little-endian.
     */
    public static void quantize(GgmlType type, float[] src, int offset, int n, ByteBuffer dst) {
        if (!canQuantizeTo(type)) {
            throw new IllegalArgumentException("cannot quantize to " + type);
        }
        if (!type.fitsRow(n)) {
            throw new IllegalArgumentException(n + " values are not whole blocks of " + type);
        }
        ByteBuffer out = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(src[offset + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(Fp16.fromFloat(src[offset + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n; b += BLOCK) {
                    q8_0Block(src, offset + b, out);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n; b += BLOCK) {
                    q4_0Block(src, offset + b, out);
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < n; b += BLOCK) {
                    q5_0Block(src, offset + b, out);
                }
            }
            case Q5_1 -> {
                for (int b = 0; b < n; b += BLOCK) {
                    q5_1Block(src, offset + b, out);
                }
            }
            case Q4_K, Q5_K -> {
                AffineSuperBlock block = type == GgmlType.Q4_K ? AffineSuperBlock.q4K() : AffineSuperBlock.q5K();
                for (int b = 0; b < n; b += AffineSuperBlock.QK) {
                    block.quantize(src, offset + b, out);
                }
            }
            case Q6_K -> {
                SymmetricSuperBlock block = new SymmetricSuperBlock();
                for (int b = 0; b < n; b += SymmetricSuperBlock.QK) {
                    block.quantize(src, offset + b, out);
                }
            }
            default -> throw new IllegalStateException(type.toString());
        }
        dst.position(out.position());
    }

    /** quantize_row_q5_0_ref: as Q4_0 with 32 levels: d = max / -16, q = min(31, trunc(x / d + 16.5)). */
    private static void q5_0Block(float[] x, int at, ByteBuffer out) {
        float d = largestMagnitude(x, at) / -16;
        float id = d != 0f ? 1.0f / d : 0f;
        out.putShort(Fp16.fromFloat(d));
        int[] q = new int[BLOCK];
        for (int j = 0; j < BLOCK; j++) {
            q[j] = Math.min(31, (int) (x[at + j] * id + 16.5f));
        }
        putFiveBitLevels(q, out);
    }

    /** quantize_row_q5_1_ref: d = (max - min) / 31, m = min, q = trunc((x - min) / d + 0.5). */
    private static void q5_1Block(float[] x, int at, ByteBuffer out) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[at + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 31;
        float id = d != 0f ? 1.0f / d : 0f;
        out.putShort(Fp16.fromFloat(d));
        out.putShort(Fp16.fromFloat(min));
        int[] q = new int[BLOCK];
        for (int j = 0; j < BLOCK; j++) {
            q[j] = ((int) ((x[at + j] - min) * id + 0.5f)) & 0xFF;
        }
        putFiveBitLevels(q, out);
    }

    /** A block's 32 five-bit levels: the fifth bits as one little-endian word, then the low nibbles two to a byte. */
    private static void putFiveBitLevels(int[] q, ByteBuffer out) {
        int qh = 0;
        byte[] qs = new byte[BLOCK / 2];
        for (int j = 0; j < BLOCK / 2; j++) {
            int lo = q[j];
            int hi = q[BLOCK / 2 + j];
            qs[j] = (byte) ((lo & 0x0F) | ((hi & 0x0F) << 4));
            qh |= ((lo >> 4) & 1) << j;
            qh |= ((hi >> 4) & 1) << (j + BLOCK / 2);
        }
        out.putInt(qh);
        out.put(qs);
    }

    /** quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d). */
    private static void q8_0Block(float[] x, int at, ByteBuffer out) {
        float amax = 0f;
        for (int j = 0; j < BLOCK; j++) {
            float a = Math.abs(x[at + j]);
            amax = amax > a ? amax : a; // C's MAX macro, not Math.max: they differ on NaN
        }
        float d = amax / 127;
        float id = d != 0f ? 1.0f / d : 0f;
        out.putShort(Fp16.fromFloat(d));
        for (int j = 0; j < BLOCK; j++) {
            out.put((byte) roundHalfAwayFromZero(x[at + j] * id));
        }
    }

    /**
     * quantize_row_q4_0_ref: the element of largest magnitude (the first one, on ties) keeps its sign and
     * maps to -8: d = max / -8; q = min(15, trunc(x / d + 8.5)).
     */
    private static void q4_0Block(float[] x, int at, ByteBuffer out) {
        float d = largestMagnitude(x, at) / -8;
        float id = d != 0f ? 1.0f / d : 0f;
        out.putShort(Fp16.fromFloat(d));
        for (int j = 0; j < BLOCK / 2; j++) {
            int lo = Math.min(15, (int) (x[at + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + BLOCK / 2 + j] * id + 8.5f));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    /** The block's element of largest magnitude (the first one, on ties), with its sign. */
    private static float largestMagnitude(float[] x, int at) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[at + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** C's roundf: halfway cases away from zero (Math.round rounds them up). */
    static int roundHalfAwayFromZero(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    /**
     * Reads {@code n} values of {@code type} from {@code src} at its position (advancing it; little-endian
     * regardless of the buffer's order) into {@code dst[offset..]}.
     */
    public static void dequantize(GgmlType type, ByteBuffer src, float[] dst, int offset, int n) {
        if (!canDequantize(type)) {
            throw new IllegalArgumentException("cannot dequantize " + type);
        }
        if (!type.fitsRow(n)) {
            throw new IllegalArgumentException(n + " values are not whole blocks of " + type);
        }
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = in.getFloat();
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = Fp16.toFloat(in.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = Float.intBitsToFloat((in.getShort() & 0xFFFF) << 16);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n; b += BLOCK) {
                    float d = Fp16.toFloat(in.getShort());
                    for (int j = 0; j < BLOCK; j++) {
                        dst[offset + b + j] = in.get() * d;
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n; b += BLOCK) {
                    float d = Fp16.toFloat(in.getShort());
                    for (int j = 0; j < BLOCK / 2; j++) {
                        int q = in.get() & 0xFF;
                        dst[offset + b + j] = ((q & 0x0F) - 8) * d;
                        dst[offset + b + BLOCK / 2 + j] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            default -> throw new IllegalStateException(type.toString());
        }
        src.position(in.position());
    }
}
