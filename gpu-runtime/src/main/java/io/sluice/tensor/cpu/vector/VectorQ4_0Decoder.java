package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.F;
import static io.sluice.tensor.cpu.vector.VectorDecoders.toFloat;
import static io.sluice.tensor.cpu.vector.VectorDecoders.unsignedBytes;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 blocks (fp16 d, 16 bytes of nibbles: low = elements 0..15, high = 16..31; value = (q - 8) * d);
 * fused path for single activation rows.
 */
final class VectorQ4_0Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int o = outOffset, end = outOffset + count, b = at; o < end; o += 32, b += 18) {
            float d = HalfFloat.read(src, b);
            IntVector q0 = unsignedBytes(src, b + 2);
            IntVector q1 = unsignedBytes(src, b + 10);
            low(q0).mul(d).intoArray(out, o);
            low(q1).mul(d).intoArray(out, o + 8);
            high(q0).mul(d).intoArray(out, o + 16);
            high(q1).mul(d).intoArray(out, o + 24);
        }
    }

    private static FloatVector low(IntVector q) {
        return toFloat(q.and(0x0f).sub(8));
    }

    private static FloatVector high(IntVector q) {
        return toFloat(q.lanewise(VectorOperators.LSHR, 4).sub(8));
    }

    @Override
    public boolean accumulateRows(byte[] src, int at, int rowStride, int rows, int count, float[] x, int xOffset,
            float[] acc) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int s0 = at + r * rowStride;
            int s1 = s0 + rowStride;
            int s2 = s1 + rowStride;
            int s3 = s2 + rowStride;
            FloatVector a0 = FloatVector.fromArray(F, acc, 8 * r);
            FloatVector a1 = FloatVector.fromArray(F, acc, 8 * r + 8);
            FloatVector a2 = FloatVector.fromArray(F, acc, 8 * r + 16);
            FloatVector a3 = FloatVector.fromArray(F, acc, 8 * r + 24);
            for (int k = 0; k < count; k += 32, s0 += 18, s1 += 18, s2 += 18, s3 += 18) {
                float d0 = HalfFloat.read(src, s0);
                float d1 = HalfFloat.read(src, s1);
                float d2 = HalfFloat.read(src, s2);
                float d3 = HalfFloat.read(src, s3);
                // Element groups in order: 0-7 and 8-15 (low nibbles), 16-23 and 24-31 (high nibbles).
                IntVector q0 = unsignedBytes(src, s0 + 2);
                IntVector q1 = unsignedBytes(src, s1 + 2);
                IntVector q2 = unsignedBytes(src, s2 + 2);
                IntVector q3 = unsignedBytes(src, s3 + 2);
                FloatVector v = FloatVector.fromArray(F, x, xOffset + k);
                a0 = low(q0).mul(d0).fma(v, a0);
                a1 = low(q1).mul(d1).fma(v, a1);
                a2 = low(q2).mul(d2).fma(v, a2);
                a3 = low(q3).mul(d3).fma(v, a3);
                IntVector p0 = unsignedBytes(src, s0 + 10);
                IntVector p1 = unsignedBytes(src, s1 + 10);
                IntVector p2 = unsignedBytes(src, s2 + 10);
                IntVector p3 = unsignedBytes(src, s3 + 10);
                v = FloatVector.fromArray(F, x, xOffset + k + 8);
                a0 = low(p0).mul(d0).fma(v, a0);
                a1 = low(p1).mul(d1).fma(v, a1);
                a2 = low(p2).mul(d2).fma(v, a2);
                a3 = low(p3).mul(d3).fma(v, a3);
                v = FloatVector.fromArray(F, x, xOffset + k + 16);
                a0 = high(q0).mul(d0).fma(v, a0);
                a1 = high(q1).mul(d1).fma(v, a1);
                a2 = high(q2).mul(d2).fma(v, a2);
                a3 = high(q3).mul(d3).fma(v, a3);
                v = FloatVector.fromArray(F, x, xOffset + k + 24);
                a0 = high(p0).mul(d0).fma(v, a0);
                a1 = high(p1).mul(d1).fma(v, a1);
                a2 = high(p2).mul(d2).fma(v, a2);
                a3 = high(p3).mul(d3).fma(v, a3);
            }
            a0.intoArray(acc, 8 * r);
            a1.intoArray(acc, 8 * r + 8);
            a2.intoArray(acc, 8 * r + 16);
            a3.intoArray(acc, 8 * r + 24);
        }
        for (; r < rows; r++) {
            FloatVector a = FloatVector.fromArray(F, acc, 8 * r);
            for (int k = 0, s = at + r * rowStride; k < count; k += 32, s += 18) {
                float d = HalfFloat.read(src, s);
                IntVector q = unsignedBytes(src, s + 2);
                IntVector p = unsignedBytes(src, s + 10);
                a = low(q).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k), a);
                a = low(p).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k + 8), a);
                a = high(q).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k + 16), a);
                a = high(p).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k + 24), a);
            }
            a.intoArray(acc, 8 * r);
        }
        return true;
    }
}
