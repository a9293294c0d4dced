package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.F;
import static io.sluice.tensor.cpu.vector.VectorDecoders.signedBytesAsFloats;

import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;

/** Q8_0 blocks (fp16 d, 32 signed bytes q; value = q * d); fused path for single activation rows. */
final class VectorQ8_0Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        for (int o = outOffset, end = outOffset + count, b = at; o < end; o += 32, b += 34) {
            FloatVector d = FloatVector.broadcast(F, HalfFloat.read(src, b));
            for (int g = 0; g < 32; g += 8) {
                signedBytesAsFloats(src, b + 2 + g).mul(d).intoArray(out, o + g);
            }
        }
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
            for (int k = 0; k < count; k += 32, s0 += 34, s1 += 34, s2 += 34, s3 += 34) {
                float d0 = HalfFloat.read(src, s0);
                float d1 = HalfFloat.read(src, s1);
                float d2 = HalfFloat.read(src, s2);
                float d3 = HalfFloat.read(src, s3);
                for (int g = 0; g < 32; g += 8) {
                    FloatVector v = FloatVector.fromArray(F, x, xOffset + k + g);
                    a0 = signedBytesAsFloats(src, s0 + 2 + g).mul(d0).fma(v, a0);
                    a1 = signedBytesAsFloats(src, s1 + 2 + g).mul(d1).fma(v, a1);
                    a2 = signedBytesAsFloats(src, s2 + 2 + g).mul(d2).fma(v, a2);
                    a3 = signedBytesAsFloats(src, s3 + 2 + g).mul(d3).fma(v, a3);
                }
            }
            a0.intoArray(acc, 8 * r);
            a1.intoArray(acc, 8 * r + 8);
            a2.intoArray(acc, 8 * r + 16);
            a3.intoArray(acc, 8 * r + 24);
        }
        for (; r < rows; r++) {
            FloatVector a = FloatVector.fromArray(F, acc, 8 * r);
            for (int k = 0, s = at + r * rowStride; k < count; k += 32, s += 34) {
                float d = HalfFloat.read(src, s);
                for (int g = 0; g < 32; g += 8) {
                    a = signedBytesAsFloats(src, s + 2 + g).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k + g), a);
                }
            }
            a.intoArray(acc, 8 * r);
        }
        return true;
    }
}
