package io.sluice.tensor.quant;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts float rows to the storage types Sluice writes (F32, F16, Q8_0, Q4_0) and back. The quantizers
 * reproduce ggml's reference functions (quantize_row_q8_0_ref, quantize_row_q4_0_ref) bit for bit, so
 * files quantized here match llama.cpp's. Rows must be whole blocks of 32 elements for the quantized types.
 *
 * <p>Q8_0 block (34 bytes): scale d as fp16, then 32 signed bytes; x = d * q. Q4_0 block (18 bytes): scale
 * d as fp16, then 16 bytes whose low nibbles hold elements 0..15 and high nibbles elements 16..31;
 * x = d * (q - 8).
 */
public final class Quantizer {

    public static final int BLOCK = 32;

    private Quantizer() {
    }

    /** Whether {@link #quantize} can produce this type. */
    public static boolean canQuantizeTo(GgmlType type) {
        return type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.Q8_0 || type == GgmlType.Q4_0;
    }

    /** Whether {@link #dequantize} can read this type. */
    public static boolean canDequantize(GgmlType type) {
        return canQuantizeTo(type) || type == GgmlType.BF16;
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
            default -> throw new IllegalStateException(type.toString());
        }
        dst.position(out.position());
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
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[at + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0f ? 1.0f / d : 0f;
        out.putShort(Fp16.fromFloat(d));
        for (int j = 0; j < BLOCK / 2; j++) {
            int lo = Math.min(15, (int) (x[at + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + BLOCK / 2 + j] * id + 8.5f));
            out.put((byte) (lo | (hi << 4)));
        }
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
