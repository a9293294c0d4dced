package io.sluice.tensor;

import static io.sluice.tensor.TestTensors.buffer;
import static io.sluice.tensor.TestTensors.half;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import io.sluice.tensor.cpu.CpuBackend;
import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-built blocks with known scales and quants, decoded by every backend, compared exactly with values
 * worked out per element from ggml's block definitions (written independently of the decoders' loops).
 */
class BlockLayoutTest {
    static Stream<CpuBackend> backends() {
        return Stream.of(Backends.active(), Backends.scalar());
    }

    private static float[] decodeAll(CpuBackend backend, GgmlType type, ByteBuffer data, int rows, int cols) {
        WeightTensor t = WeightTensor.of(type, data, rows, cols, backend);
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            t.dequantizeRow(r, out, r * cols);
        }
        return out;
    }

    private static void assertBits(float[] expected, float[] actual) {
        for (int k = 0; k < expected.length; k++) {
            assertEquals(Float.floatToRawIntBits(expected[k]), Float.floatToRawIntBits(actual[k]),
                    "element " + k + ": expected " + expected[k] + ", got " + actual[k]);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void q8_0(CpuBackend backend) {
        // Two blocks: d = 0.5 with q = -128..-97, d = -3 with q = 0..31 * 4 - 64.
        ByteBuffer b = buffer(68);
        b.putShort(0, half(0.5f));
        b.putShort(34, half(-3f));
        float[] expected = new float[64];
        for (int j = 0; j < 32; j++) {
            b.put(2 + j, (byte) (-128 + j));
            expected[j] = (-128 + j) * 0.5f;
            b.put(36 + j, (byte) (4 * j - 64));
            expected[32 + j] = (4 * j - 64) * -3f;
        }
        float[] out = decodeAll(backend, GgmlType.Q8_0, b, 1, 64);
        assertEquals(-64f, out[0]);
        assertEquals(-180f, out[63]);   // q = 4 * 31 - 64 = 60, d = -3
        assertBits(expected, out);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void q4_0(CpuBackend backend) {
        ByteBuffer b = buffer(18);
        b.putShort(0, half(2f));
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            b.put(2 + j, (byte) (j | (15 - j) << 4));
            expected[j] = (j - 8) * 2f;        // low nibbles: elements 0..15
            expected[16 + j] = (7 - j) * 2f;   // high nibbles: elements 16..31
        }
        float[] out = decodeAll(backend, GgmlType.Q4_0, b, 1, 32);
        assertEquals(-16f, out[0]);
        assertEquals(14f, out[16]);
        assertBits(expected, out);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void q5_0(CpuBackend backend) {
        ByteBuffer b = buffer(22);
        b.putShort(0, half(0.25f));
        int qh = 0xA53C_0FF1;
        b.putInt(2, qh);
        float[] expected = new float[32];
        for (int e = 0; e < 32; e++) {
            int nibble = (e * 7 + 3) & 15;
            int at = 6 + e % 16;
            b.put(at, (byte) (e < 16 ? (b.get(at) & 0xf0) | nibble : (b.get(at) & 0x0f) | nibble << 4));
            int q = nibble | ((qh >>> e) & 1) << 4;
            expected[e] = (q - 16) * 0.25f;
        }
        assertBits(expected, decodeAll(backend, GgmlType.Q5_0, b, 1, 32));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void q5_1(CpuBackend backend) {
        ByteBuffer b = buffer(24);
        b.putShort(0, half(0.5f));
        b.putShort(2, half(-1.5f));
        int qh = 0x0F0F_5A5A;
        b.putInt(4, qh);
        float[] expected = new float[32];
        for (int e = 0; e < 32; e++) {
            int nibble = (e * 5 + 1) & 15;
            int at = 8 + e % 16;
            b.put(at, (byte) (e < 16 ? (b.get(at) & 0xf0) | nibble : (b.get(at) & 0x0f) | nibble << 4));
            int q = nibble | ((qh >>> e) & 1) << 4;
            expected[e] = q * 0.5f - 1.5f;
        }
        float[] out = decodeAll(backend, GgmlType.Q5_1, b, 1, 32);
        assertEquals(-1f, out[0]);   // q = 1, fifth bit 0
        assertBits(expected, out);
    }

    /** The 12 scale bytes of Q4_K/Q5_K from eight 6-bit scales and mins, packed as ggml's quantizer does. */
    private static void packScales(ByteBuffer b, int at, int[] sc, int[] mn) {
        for (int j = 0; j < 4; j++) {
            b.put(at + j, (byte) (sc[j] | (sc[j + 4] >> 4) << 6));
            b.put(at + j + 4, (byte) (mn[j] | (mn[j + 4] >> 4) << 6));
            b.put(at + j + 8, (byte) ((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4));
        }
    }

    private static final int[] SCALES = {1, 63, 17, 40, 33, 5, 62, 48};
    private static final int[] MINS = {0, 7, 63, 21, 16, 47, 3, 60};

    @ParameterizedTest
    @MethodSource("backends")
    void q4_K(CpuBackend backend) {
        ByteBuffer b = buffer(144);
        float d = 0.125f;
        float dmin = 0.5f;
        b.putShort(0, half(d));
        b.putShort(2, half(dmin));
        packScales(b, 4, SCALES, MINS);
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            int sub = e / 32;                       // sub-block 0..7
            int at = 16 + 32 * (sub / 2) + e % 32;  // pairs of sub-blocks share 32 bytes
            int q = (e * 11 + sub) & 15;
            b.put(at, (byte) (sub % 2 == 0 ? (b.get(at) & 0xf0) | q : (b.get(at) & 0x0f) | q << 4));
            expected[e] = (d * SCALES[sub]) * q - dmin * MINS[sub];
        }
        float[] out = decodeAll(backend, GgmlType.Q4_K, b, 1, 256);
        assertEquals(0f, out[0]);   // q = 0, min 0: 0 - 0 = +0
        assertBits(expected, out);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void q5_K(CpuBackend backend) {
        ByteBuffer b = buffer(176);
        float d = 0.25f;
        float dmin = 0.125f;
        b.putShort(0, half(d));
        b.putShort(2, half(dmin));
        packScales(b, 4, SCALES, MINS);
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            int sub = e / 32;
            int l = e % 32;
            int at = 48 + 32 * (sub / 2) + l;
            int q = (e * 13 + 5) & 15;
            b.put(at, (byte) (sub % 2 == 0 ? (b.get(at) & 0xf0) | q : (b.get(at) & 0x0f) | q << 4));
            int high = ((e * 7) >> 2) & 1;          // fifth bit: bit `sub` of qh[l]
            b.put(16 + l, (byte) (b.get(16 + l) | high << sub));
            expected[e] = (d * SCALES[sub]) * (q + 16 * high) - dmin * MINS[sub];
        }
        assertBits(expected, decodeAll(backend, GgmlType.Q5_K, b, 1, 256));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void q6_K(CpuBackend backend) {
        ByteBuffer b = buffer(210);
        float d = 0.5f;
        b.putShort(208, half(d));
        for (int s = 0; s < 16; s++) {
            b.put(192 + s, (byte) (s * 17 - 128));   // -128 .. 127: signed scales
        }
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            int half = e / 128;
            int quarter = (e % 128) / 32;           // which nibble / qh bit pair
            int l = e % 32;
            int q = (e * 29 + 7) & 63;               // 6-bit value
            int ql = 64 * half + l + (quarter % 2 == 1 ? 32 : 0);
            int low = q & 15;
            b.put(ql, (byte) (quarter < 2 ? (b.get(ql) & 0xf0) | low : (b.get(ql) & 0x0f) | low << 4));
            int qh = 128 + 32 * half + l;
            b.put(qh, (byte) (b.get(qh) | (q >> 4) << (2 * quarter)));
            int scale = b.get(192 + e / 16);
            expected[e] = (d * scale) * (q - 32);
        }
        assertBits(expected, decodeAll(backend, GgmlType.Q6_K, b, 1, 256));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void f16AndBf16(CpuBackend backend) {
        float[] values = {0f, -0f, 1f, -2.5f, 65504f, 0x1p-24f, -0x1p-14f, 1.5f * 0x1p-20f, 3.140625f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int cols = 19;   // not a multiple of 8: exercises the scalar tail of the vector decoders
        ByteBuffer f16 = buffer(2 * cols);
        ByteBuffer bf16 = buffer(2 * cols);
        float[] expected = new float[cols];
        float[] expectedBf16 = new float[cols];
        for (int k = 0; k < cols; k++) {
            float v = values[k % values.length];
            expected[k] = v;
            expectedBf16[k] = Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xffff0000);   // truncated
            f16.putShort(2 * k, Float.isInfinite(v) ? (short) (v > 0 ? 0x7c00 : 0xfc00) : subnormalSafeHalf(v));
            bf16.putShort(2 * k, (short) (Float.floatToRawIntBits(v) >>> 16));
        }
        assertBits(expected, decodeAll(backend, GgmlType.F16, f16, 1, cols));
        assertBits(expectedBf16, decodeAll(backend, GgmlType.BF16, bf16, 1, cols));
    }

    private static short subnormalSafeHalf(float v) {
        if (v != 0 && Math.abs(v) < 0x1p-14f) {
            int mantissa = Math.round(Math.abs(v) * 0x1p24f);
            return (short) ((v < 0 ? 0x8000 : 0) | mantissa);
        }
        return half(v);
    }
}
