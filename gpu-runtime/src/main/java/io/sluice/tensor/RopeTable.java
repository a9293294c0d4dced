package io.sluice.tensor;

/**
 * Rotary position embeddings as tables. Frequencies are {@code base^(-2i/d)} over the {@code ropeDim}
 * rotated dimensions of a head, divided by per-dimension factors when the file carries them
 * ({@code rope_freqs.weight}: Llama 3.1/3.2's long-context scaling). cos/sin are computed once for every
 * position of the context, on the host, so every row at a position uses the same numbers on every backend.
 *
 * @see ComputeBackend#rope
 */
public final class RopeTable {

    private final boolean halves;
    private final int headDim;
    private final int ropeDim;
    private final int contextLength;
    private final float[] cos;
    private final float[] sin;

    /**
     * @param halves true to rotate dimension pairs (i, i + ropeDim/2) ("NeoX" style: Qwen2), false for
     *     adjacent pairs (2i, 2i+1) (Llama's GGUF files)
     */
    public RopeTable(boolean halves, int headDim, int ropeDim, float base, float[] freqFactors, int contextLength) {
        this.halves = halves;
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

    /** Whether pairs are (i, i + ropeDim/2) rather than (2i, 2i+1). */
    public boolean halves() {
        return halves;
    }

    public int headDim() {
        return headDim;
    }

    public int ropeDim() {
        return ropeDim;
    }

    public int contextLength() {
        return contextLength;
    }

    /** cos of pair i at position p is {@code cos()[p * ropeDim/2 + i]}; shared, never modified. */
    public float[] cos() {
        return cos;
    }

    /** sin, laid out as {@link #cos()}. */
    public float[] sin() {
        return sin;
    }

    /** Rotates {@code heads} consecutive heads of {@code x} starting at {@code offset}, for {@code position}. */
    public void apply(float[] x, int offset, int heads, int position) {
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
                if (halves) {
                    a = base + i;
                    b = base + i + half;
                } else {
                    a = base + 2 * i;
                    b = a + 1;
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
