package io.sluice.testing;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Random but well-formed raw tensor bytes in any supported ggml block layout, for tests that build models of
 * every type: quantized values are random bits, scales are small fp16 numbers so that activations stay sane.
 */
public final class RandomWeights {

    private RandomWeights() {
    }

    /** Raw bytes of a rows × cols tensor of {@code type}, values of magnitude about {@code scale}. */
    public static byte[] bytes(GgmlType type, int rows, int cols, float scale, SplittableRandom rnd) {
        long size = type.bytesFor((long) rows * cols);
        if (size < 0) {
            throw new IllegalArgumentException(type + " cannot hold rows of " + cols);
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        long elements = (long) rows * cols;
        switch (type) {
            case F32 -> {
                for (long i = 0; i < elements; i++) {
                    b.putFloat(gaussian(rnd, scale));
                }
            }
            case F16 -> {
                for (long i = 0; i < elements; i++) {
                    b.putShort(half(gaussian(rnd, scale)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < elements; i++) {
                    b.putShort((short) (Float.floatToRawIntBits(gaussian(rnd, scale)) >>> 16));
                }
            }
            default -> quantized(type, b, elements, scale, rnd);
        }
        return b.array();
    }

    private static void quantized(GgmlType type, ByteBuffer b, long elements, float scale, SplittableRandom rnd) {
        long blocks = elements / type.blockSize();
        byte[] block = new byte[type.blockBytes()];
        for (long i = 0; i < blocks; i++) {
            rnd.nextBytes(block);
            ByteBuffer blk = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            switch (type) {
                case Q8_0 -> blk.putShort(0, half(scale / 64 * (0.5f + rnd.nextFloat())));
                case Q4_0, Q5_0 -> blk.putShort(0, half(scale / 8 * (0.5f + rnd.nextFloat())));
                case Q5_1 -> {
                    blk.putShort(0, half(scale / 16 * (0.5f + rnd.nextFloat())));
                    blk.putShort(2, half(-scale * (0.5f + rnd.nextFloat())));
                }
                case Q4_K, Q5_K -> {
                    blk.putShort(0, half(scale / 256 * (0.5f + rnd.nextFloat())));
                    blk.putShort(2, half(scale / 64 * (0.5f + rnd.nextFloat())));
                }
                case Q6_K -> {
                    for (int s = 0; s < 16; s++) {
                        block[192 + s] = (byte) (rnd.nextInt(31) - 15);
                    }
                    blk.putShort(208, half(scale / 256 * (0.5f + rnd.nextFloat())));
                }
                default -> throw new IllegalArgumentException("no random layout for " + type);
            }
            b.put(block);
        }
    }

    private static float gaussian(SplittableRandom rnd, float scale) {
        // Sum of uniforms: close enough to normal for weights, and cheap.
        double s = rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 1.5;
        return (float) (s * 2 * scale);
    }

    /** fp32 → fp16 bits by truncation (exact for the values tests need: only well-formed halves matter). */
    public static short half(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = (bits >>> 13) & 0x3ff;
        if (exp <= 0) {
            return (short) sign; // tiny: flush to zero
        }
        if (exp >= 31) {
            return (short) (sign | 0x7bff);
        }
        return (short) (sign | (exp << 10) | mant);
    }
}
