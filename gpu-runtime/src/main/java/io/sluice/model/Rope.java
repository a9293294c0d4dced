package io.sluice.model;

/**
 * Rotary position embeddings. Frequencies are {@code base^(-2i/d)}, divided by per-dimension factors when the
 * file carries them ({@code rope_freqs.weight}: Llama 3.1/3.2's long-context scaling). The cos/sin table is
 * computed once for every position of the context, so every row at a position uses the same numbers.
 */
final class Rope {

    private final RopeStyle style;
    private final int headDim;
    private final int ropeDim;
    private final int contextLength;
    private final float[] cos;
    private final float[] sin;

    Rope(RopeStyle style, int headDim, int ropeDim, float base, float[] freqFactors, int contextLength) {
        this.style = style;
        this.headDim = headDim;
        this.ropeDim = ropeDim;
        this.contextLength = contextLength;
        int half = ropeDim / 2;
        if (freqFactors != null && freqFactors.length < half) {
            throw new IllegalArgumentException("rope_freqs.weight has " + freqFactors.length + " factors, needs " + half);
        }
        for (int i = 0; freqFactors != null && i < half; i++) {
            // A zero, negative or non-finite divisor would turn every attention score into NaN.
            if (!(freqFactors[i] > 0) || !Float.isFinite(freqFactors[i])) {
                throw new IllegalArgumentException("rope_freqs.weight factor " + i + " is " + freqFactors[i]
                        + "; factors must be positive and finite");
            }
        }
        cos = new float[contextLength * half];
        sin = new float[contextLength * half];
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(base, -2.0 * i / ropeDim);
            if (freqFactors != null) {
                freq /= freqFactors[i];
            }
            for (int p = 0; p < contextLength; p++) {
                double angle = p * freq;
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code x} starting at {@code offset}, for {@code position}. */
    void apply(float[] x, int offset, int heads, int position) {
        if (position >= contextLength) {
            throw new IllegalArgumentException("position " + position + " beyond the context of " + contextLength);
        }
        int half = ropeDim / 2;
        int table = position * half;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                int a;
                int b;
                if (style == RopeStyle.ADJACENT_PAIRS) {
                    a = base + 2 * i;
                    b = a + 1;
                } else {
                    a = base + i;
                    b = base + i + half;
                }
                float c = cos[table + i];
                float s = sin[table + i];
                float x0 = x[a];
                float x1 = x[b];
                x[a] = x0 * c - x1 * s;
                x[b] = x0 * s + x1 * c;
            }
        }
    }
}
