package io.sluice.tensor.cpu.vector;

import static io.sluice.tensor.cpu.vector.VectorDecoders.F;
import static io.sluice.tensor.cpu.vector.VectorDecoders.LE;

import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.RowDecoder;
import jdk.incubator.vector.FloatVector;

/** F32: plain little-endian floats; fused path for single activation rows. */
final class VectorF32Decoder implements RowDecoder {
    @Override
    public void decode(byte[] src, int at, int count, float[] out, int outOffset) {
        int k = 0;
        for (; k + 8 <= count; k += 8) {
            FloatVector.fromByteArray(F, src, at + 4 * k, LE).intoArray(out, outOffset + k);
        }
        for (; k < count; k++) {
            out[outOffset + k] = Float.intBitsToFloat(LittleEndian.int32(src, at + 4 * k));
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
            for (int k = 0; k < count; k += 8) {
                FloatVector v = FloatVector.fromArray(F, x, xOffset + k);
                a0 = FloatVector.fromByteArray(F, src, s0 + 4 * k, LE).fma(v, a0);
                a1 = FloatVector.fromByteArray(F, src, s1 + 4 * k, LE).fma(v, a1);
                a2 = FloatVector.fromByteArray(F, src, s2 + 4 * k, LE).fma(v, a2);
                a3 = FloatVector.fromByteArray(F, src, s3 + 4 * k, LE).fma(v, a3);
            }
            a0.intoArray(acc, 8 * r);
            a1.intoArray(acc, 8 * r + 8);
            a2.intoArray(acc, 8 * r + 16);
            a3.intoArray(acc, 8 * r + 24);
        }
        for (; r < rows; r++) {
            int s = at + r * rowStride;
            FloatVector a = FloatVector.fromArray(F, acc, 8 * r);
            for (int k = 0; k < count; k += 8) {
                a = FloatVector.fromByteArray(F, src, s + 4 * k, LE).fma(FloatVector.fromArray(F, x, xOffset + k), a);
            }
            a.intoArray(acc, 8 * r);
        }
        return true;
    }
}
