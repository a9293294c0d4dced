package io.sluice.tensor.cpu.scalar;

import io.sluice.tensor.cpu.ElementKernel;
import io.sluice.tensor.cpu.Exp;
import io.sluice.tensor.cpu.LaneSum;
import io.sluice.tensor.cpu.Q8Activations;

/** The element-wise operations in plain Java: the definitions the vector kernel must match bit for bit. */
public final class ScalarElementKernel implements ElementKernel {
    public static final ScalarElementKernel INSTANCE = new ScalarElementKernel();

    private ScalarElementKernel() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void swiGlu(float[] g, float[] u, int from, int to) {
        for (int k = from; k < to; k++) {
            float v = g[k];
            g[k] = v / (1f + Exp.exp(-v)) * u[k];
        }
    }

    @Override
    public void softmax(float[] scores, int len, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            float s = scores[t] * scale;
            scores[t] = s;
            max = Math.max(max, s);
        }
        int len8 = len - len % LaneSum.LANES;
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        float a4 = 0f;
        float a5 = 0f;
        float a6 = 0f;
        float a7 = 0f;
        for (int t = 0; t < len8; t += LaneSum.LANES) {
            a0 += scores[t] = Exp.exp(scores[t] - max);
            a1 += scores[t + 1] = Exp.exp(scores[t + 1] - max);
            a2 += scores[t + 2] = Exp.exp(scores[t + 2] - max);
            a3 += scores[t + 3] = Exp.exp(scores[t + 3] - max);
            a4 += scores[t + 4] = Exp.exp(scores[t + 4] - max);
            a5 += scores[t + 5] = Exp.exp(scores[t + 5] - max);
            a6 += scores[t + 6] = Exp.exp(scores[t + 6] - max);
            a7 += scores[t + 7] = Exp.exp(scores[t + 7] - max);
        }
        float sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
        for (int t = len8; t < len; t++) {
            sum += scores[t] = Exp.exp(scores[t] - max);
        }
        float inv = 1f / sum;
        for (int t = 0; t < len; t++) {
            scores[t] *= inv;
        }
    }

    @Override
    public void quantize(float[] x, int from, int to, byte[] q, float[] d, int[] sum) {
        for (int b = from; b < to; b++) {
            int at = b * Q8Activations.BLOCK;
            float amax = 0f;
            for (int k = 0; k < Q8Activations.BLOCK; k++) {
                amax = Math.max(amax, Math.abs(x[at + k]));
            }
            float scale = amax / 127f;
            float inv = scale != 0f ? 1f / scale : 0f;
            int s = 0;
            for (int k = 0; k < Q8Activations.BLOCK; k++) {
                int r = Float.floatToRawIntBits(x[at + k] * inv + Exp.MAGIC) - Exp.MAGIC_BITS;
                q[at + k] = (byte) r;
                s += r;
            }
            d[b] = scale;
            sum[b] = s;
        }
    }
}
