package io.sluice.tensor.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Q8_0 and Q4_0 on blocks whose results were computed by hand from ggml's reference functions. */
class QuantizerTest {

    private static int d(byte[] block, int at) {
        return (block[at] & 0xFF) | (block[at + 1] & 0xFF) << 8;
    }

    @Test
    void q8_0TiesRoundAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f; // amax 127: d = 1, id = 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -0.5f;
        x[5] = 1.4999999f;
        x[6] = -127f;
        x[7] = 3.5f;
        x[8] = -0f;
        x[9] = 0.49999997f;
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, x);
        assertEquals(34, q.length);
        assertEquals(0x3C00, d(q, 0));
        byte[] expected = new byte[32];
        byte[] values = {127, 3, -3, 1, -1, 1, -127, 4, 0, 0};
        System.arraycopy(values, 0, expected, 0, values.length);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(q, 2, 34));
    }

    @Test
    void q8_0ScaleIsAmaxOver127InFp16() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = i - 16; // amax 16
        }
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, x);
        float dd = 16f / 127;
        assertEquals(Fp16.fromFloat(dd) & 0xFFFF, d(q, 0));
        float id = 1f / dd;
        for (int i = 0; i < 32; i++) {
            assertEquals(Math.round(Math.abs(x[i] * id)) * (int) Math.signum(x[i]), q[2 + i], "element " + i);
        }
        assertEquals(-127, q[2]);
        assertEquals(8, q[2 + 17]); // 1 * 7.9375 -> 8
        assertEquals(16, q[2 + 18]); // 2 * 7.9375 = 15.875 -> 16
    }

    @Test
    void zeroBlocks() {
        byte[] q8 = Quantizer.quantize(GgmlType.Q8_0, new float[32]);
        assertArrayEquals(new byte[34], q8);
        byte[] q4 = Quantizer.quantize(GgmlType.Q4_0, new float[32]);
        // d = 0 / -8 = -0 (stored as fp16 -0, as ggml does), id = 0: every element is trunc(0 + 8.5) = 8.
        assertEquals(0x8000, d(q4, 0));
        for (int j = 2; j < 18; j++) {
            assertEquals((byte) 0x88, q4[j]);
        }
    }

    @Test
    void q4_0NegativeMaxMapsToZero() {
        float[] x = new float[32];
        x[0] = -8f; // largest magnitude, negative: d = -8 / -8 = 1, id = 1
        x[1] = 7f;
        x[2] = 0.5f; // 9.0 -> 9
        x[3] = -0.5f; // 8.0 -> 8
        x[4] = 7.4f; // 15.9 -> 15
        x[5] = -7.6f; // 0.9 -> 0
        x[6] = 0.49f; // 8.99 -> 8
        x[16] = 3f; // high nibble of byte 0: 11
        x[31] = -1f; // high nibble of byte 15: 7
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(18, q.length);
        assertEquals(0x3C00, d(q, 0));
        int[] lo = new int[16];
        int[] hi = new int[16];
        for (int j = 0; j < 16; j++) {
            lo[j] = q[2 + j] & 0x0F;
            hi[j] = (q[2 + j] & 0xFF) >>> 4;
        }
        assertArrayEquals(new int[] {0, 15, 9, 8, 15, 0, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}, lo);
        assertArrayEquals(new int[] {11, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7}, hi);
    }

    @Test
    void q4_0PositiveMaxClampsTo15() {
        float[] x = new float[32];
        x[0] = 8f; // d = -1, id = -1
        x[1] = -8f; // tie in magnitude: the first one (8) wins; -8 -> 16.5 -> 16 -> clamped to 15
        x[2] = 1f; // -1 + 8.5 = 7.5 -> 7
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(0xBC00, d(q, 0));
        assertEquals(0, q[2] & 0x0F);
        assertEquals(15, q[3] & 0x0F);
        assertEquals(7, q[4] & 0x0F);
    }

    @Test
    void q4_0FirstOfEqualMagnitudesKeepsItsSign() {
        float[] x = new float[32];
        x[3] = -4f;
        x[9] = 4f;
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(0x3800, d(q, 0)); // d = -4 / -8 = 0.5
        assertEquals(0, q[2 + 3] & 0x0F); // -4 * 2 + 8.5 = 0.5 -> 0
        assertEquals(15, q[2 + 9] & 0x0F); // 4 * 2 + 8.5 = 16.5 -> 16 -> 15
    }

    @Test
    void dequantizedValuesAreClose() {
        Random random = new Random(7);
        float[] x = new float[32 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            byte[] q = Quantizer.quantize(type, x);
            float[] back = new float[x.length];
            ByteBuffer src = ByteBuffer.wrap(q);
            Quantizer.dequantize(type, src, back, 0, x.length);
            assertEquals(q.length, src.position());
            for (int b = 0; b < x.length; b += 32) {
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(x[b + j]));
                }
                float tolerance = switch (type) {
                    case F32 -> 0f;
                    case F16 -> amax / 1024;
                    case Q8_0 -> amax / 127 * 0.6f; // half a step, plus the fp16 rounding of d times up to 127
                    default -> amax / 8 * 1.01f;
                };
                for (int j = 0; j < 32; j++) {
                    float err = Math.abs(back[b + j] - x[b + j]);
                    assertTrue(err <= tolerance, type + " element " + (b + j) + " error " + err);
                }
            }
        }
    }

    @Test
    void writesAtTheBufferPosition() {
        float[] x = new float[64];
        x[33] = 1f;
        ByteBuffer dst = ByteBuffer.allocate(10 + 68);
        dst.position(10);
        Quantizer.quantize(GgmlType.Q8_0, x, 32, 32, dst);
        assertEquals(10 + 34, dst.position());
        assertEquals(0x2008, (dst.get(10) & 0xFF) | (dst.get(11) & 0xFF) << 8); // fp16(1/127)
        assertEquals(127, dst.get(12 + 1));
    }

    @Test
    void refusesPartialBlocksAndOtherTypes() {
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q8_0, new float[31]));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q4_K, new float[128]));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q2_K, new float[256]));
    }

    @Test
    void roundLikeC() {
        assertEquals(3, Quantizer.roundHalfAwayFromZero(2.5f));
        assertEquals(-3, Quantizer.roundHalfAwayFromZero(-2.5f));
        assertEquals(0, Quantizer.roundHalfAwayFromZero(0.49999997f));
        assertEquals(-1, Quantizer.roundHalfAwayFromZero(-0.5f));
        assertEquals(2, Quantizer.roundHalfAwayFromZero(1.5f));
    }
}
