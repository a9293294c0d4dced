package io.sluice.tensor;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Random tensors of every supported type, with finite scales, in direct little-endian buffers. */
public final class TestTensors {
    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
        GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    private TestTensors() {
    }

    static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** fp16 bits of a float that fp16 represents exactly (normal numbers and zero). */
    static short half(float f) {
        if (f == 0f) {
            return (short) (Float.floatToRawIntBits(f) >>> 16 & 0x8000);
        }
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = Math.getExponent(f) + 15;
        int mantissa = (bits >>> 13) & 0x3ff;
        if (exponent < 1 || exponent > 30 || (bits & 0x1fff) != 0) {
            throw new IllegalArgumentException(f + " is not exactly a normal fp16 number");
        }
        return (short) (sign | exponent << 10 | mantissa);
    }

    /** A random finite fp16 scale of moderate size, either sign. */
    static short randomScale(Random random) {
        float f = (float) Math.scalb(1.0 + random.nextInt(1024) / 1024.0, -random.nextInt(8) - 2);
        return half(random.nextBoolean() ? f : -f);
    }

    /** Random contents for a rows × cols tensor of {@code type}. */
    public static ByteBuffer randomData(GgmlType type, int rows, int cols, Random random) {
        int bytes = (int) type.bytesFor((long) rows * cols);
        ByteBuffer b = buffer(bytes);
        switch (type) {
            case F32:
                for (int k = 0; k < bytes / 4; k++) {
                    b.putFloat(4 * k, (float) random.nextGaussian());
                }
                return b;
            case F16:
                for (int k = 0; k < bytes / 2; k++) {
                    // Finite halves of magnitude 2^-6 .. 2^2, every mantissa.
                    int bits = (random.nextBoolean() ? 0x8000 : 0) | (9 + random.nextInt(9)) << 10 | random.nextInt(1024);
                    b.putShort(2 * k, (short) bits);
                }
                return b;
            case BF16:
                for (int k = 0; k < bytes / 2; k++) {
                    b.putShort(2 * k, (short) (Float.floatToRawIntBits((float) random.nextGaussian()) >>> 16));
                }
                return b;
            default:
                byte[] noise = new byte[bytes];
                random.nextBytes(noise);
                b.put(0, noise);
                int blockBytes = type.blockBytes();
                for (int at = 0; at < bytes; at += blockBytes) {
                    for (int field : scaleFields(type)) {
                        b.putShort(at + field, randomScale(random));
                    }
                }
                return b;
        }
    }

    /** Byte offsets of the fp16 fields of one block. */
    static int[] scaleFields(GgmlType type) {
        switch (type) {
            case Q8_0:
            case Q4_0:
            case Q5_0:
                return new int[] {0};
            case Q5_1:
            case Q4_K:
            case Q5_K:
                return new int[] {0, 2};
            case Q6_K:
                return new int[] {208};
            default:
                throw new IllegalArgumentException(type.toString());
        }
    }

    static WeightTensor random(GgmlType type, int rows, int cols, long seed) {
        return WeightTensor.of(type, randomData(type, rows, cols, new Random(seed)), rows, cols);
    }

    static WeightTensor with(CpuBackend backend, WeightTensor t, ByteBuffer data) {
        return WeightTensor.of(t.type(), data, t.rows(), t.cols(), backend);
    }

    static CpuBackend scalar() {
        return Backends.scalar();
    }

    public static float[] randomFloats(int n, Random random) {
        float[] x = new float[n];
        for (int k = 0; k < n; k++) {
            x[k] = (float) random.nextGaussian();
        }
        return x;
    }
}
