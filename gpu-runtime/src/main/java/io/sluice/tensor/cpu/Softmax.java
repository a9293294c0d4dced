package io.sluice.tensor.cpu;

/** The softmax of attention scores, in one fixed order on every machine. */
final class Softmax {
    private Softmax() {
    }

    /**
     * Replaces {@code scores[0, len)} by {@code softmax(scores * scale)}: scaled, the maximum subtracted, exponentials
     * summed front to back, then multiplied by the reciprocal of the sum.
     */
    static void scaled(float[] scores, int len, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            float s = scores[t] * scale;
            scores[t] = s;
            max = Math.max(max, s);
        }
        float sum = 0f;
        for (int t = 0; t < len; t++) {
            float e = (float) Math.exp(scores[t] - max);
            scores[t] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int t = 0; t < len; t++) {
            scores[t] *= inv;
        }
    }
}
