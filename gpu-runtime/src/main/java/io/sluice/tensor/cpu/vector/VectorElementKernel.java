package io.sluice.tensor.cpu.vector;

import io.sluice.tensor.cpu.ElementKernel;
import io.sluice.tensor.cpu.Exp;
import io.sluice.tensor.cpu.LaneSum;
import io.sluice.tensor.cpu.Q8Activations;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise operations on the Vector API, 256 bits wide as the other vector kernels (see {@link VectorExp}).
 * Scalar operands are broadcast once into vectors: the API's scalar forms dispatch on the vector's class, which a
 * polymorphic profile can hide from the JIT.
 */
public final class VectorElementKernel implements ElementKernel {
    private static final VectorSpecies<Float> F = VectorExp.F;
    private static final VectorSpecies<Integer> I = VectorExp.I;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final int L = LaneSum.LANES;
    /** SwiGLU's exponentials, a chunk at a time (in the first-level cache), per thread: a step allocates none. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[1024]);

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void swiGlu(float[] g, float[] u, int from, int to) {
        float[] e = SCRATCH.get();
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int c = from; c < to; c += e.length) {
            int len = Math.min(e.length, to - c);
            int len8 = len - len % L;
            for (int k = 0; k < len8; k += L) {
                FloatVector.fromArray(F, g, c + k).neg().intoArray(e, k);
            }
            for (int k = len8; k < len; k++) {
                e[k] = -g[c + k];
            }
            VectorExp.exp(e, 0, len);
            for (int k = 0; k < len8; k += L) {
                FloatVector v = FloatVector.fromArray(F, g, c + k);
                v.div(FloatVector.fromArray(F, e, k).add(one)).mul(FloatVector.fromArray(F, u, c + k))
                        .intoArray(g, c + k);
            }
            for (int k = len8; k < len; k++) {
                g[c + k] = g[c + k] / (1f + e[k]) * u[c + k];
            }
        }
    }

    @Override
    public void softmax(float[] scores, int len, float scale) {
        int len8 = len - len % L;
        FloatVector scales = FloatVector.broadcast(F, scale);
        FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int t = 0; t < len8; t += L) {
            FloatVector s = FloatVector.fromArray(F, scores, t).mul(scales);
            s.intoArray(scores, t);
            maxes = maxes.max(s);
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (int t = len8; t < len; t++) {
            float s = scores[t] * scale;
            scores[t] = s;
            max = Math.max(max, s);
        }
        FloatVector shift = FloatVector.broadcast(F, max);
        for (int t = 0; t < len8; t += L) {
            FloatVector.fromArray(F, scores, t).sub(shift).intoArray(scores, t);
        }
        for (int t = len8; t < len; t++) {
            scores[t] -= max;
        }
        VectorExp.exp(scores, 0, len);
        FloatVector sums = FloatVector.zero(F);
        for (int t = 0; t < len8; t += L) {
            sums = sums.add(FloatVector.fromArray(F, scores, t));
        }
        float sum = VectorFloatKernel.laneSum(sums);
        for (int t = len8; t < len; t++) {
            sum += scores[t];
        }
        float inv = 1f / sum;
        FloatVector invs = FloatVector.broadcast(F, inv);
        for (int t = 0; t < len8; t += L) {
            FloatVector.fromArray(F, scores, t).mul(invs).intoArray(scores, t);
        }
        for (int t = len8; t < len; t++) {
            scores[t] *= inv;
        }
    }

    @Override
    public void quantize(float[] x, int from, int to, byte[] q, float[] d, int[] sum) {
        int block = Q8Activations.BLOCK;
        FloatVector magic = FloatVector.broadcast(F, Exp.MAGIC);
        for (int b = from; b < to; b++) {
            int at = b * block;
            FloatVector m = FloatVector.fromArray(F, x, at).abs();
            for (int k = L; k < block; k += L) {
                m = m.max(FloatVector.fromArray(F, x, at + k).abs());
            }
            float scale = m.reduceLanes(VectorOperators.MAX) / 127f;
            FloatVector inv = FloatVector.broadcast(F, scale != 0f ? 1f / scale : 0f);
            IntVector s = IntVector.zero(I);
            for (int k = 0; k < block; k += L) {
                // the rounded value sits in the low bits of the sum with 1.5·2²³; its low byte is the quant
                IntVector bits = (IntVector) FloatVector.fromArray(F, x, at + k).mul(inv).add(magic).reinterpretAsInts();
                ((ByteVector) bits.convertShape(VectorOperators.I2B, B, 0)).intoArray(q, at + k);
                s = s.add(bits);
            }
            d[b] = scale;
            sum[b] = s.reduceLanes(VectorOperators.ADD) - block * Exp.MAGIC_BITS;
        }
    }
}
