package io.sluice.sampling;

/**
 * How the next token is chosen from the logits. A temperature of 0 means greedy (argmax). Penalties follow
 * llama.cpp: the repetition penalty divides positive / multiplies negative logits of tokens seen in the
 * last {@code penaltyLastN} tokens; presence and frequency penalties subtract. The seed makes sampling
 * reproducible: the same request with the same seed gives the same tokens, alone or in any batch.
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        float presencePenalty,
        float frequencyPenalty,
        int penaltyLastN,
        long seed) {

    /** Greedy decoding, no penalties. */
    public static final SamplingParams GREEDY = builder().temperature(0f).build();

    public SamplingParams {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (!(repeatPenalty > 0f) || Float.isInfinite(repeatPenalty)) {
            throw new IllegalArgumentException("repeat_penalty must be a finite number > 0, got " + repeatPenalty);
        }
        if (!Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) {
            throw new IllegalArgumentException("presence and frequency penalties must be finite");
        }
        if (penaltyLastN < -1) {
            throw new IllegalArgumentException("penalty_last_n must be >= -1 (-1 = whole context), got " + penaltyLastN);
        }
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repeatPenalty(repeatPenalty).presencePenalty(presencePenalty)
                .frequencyPenalty(frequencyPenalty).penaltyLastN(penaltyLastN).seed(seed);
    }

    /** Defaults: llama.cpp's (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties), seed 0. */
    public static final class Builder {
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repeatPenalty = 1.0f;
        private float presencePenalty = 0f;
        private float frequencyPenalty = 0f;
        private int penaltyLastN = 64;
        private long seed = 0L;

        public Builder temperature(float v) { this.temperature = v; return this; }
        public Builder topK(int v) { this.topK = v; return this; }
        public Builder topP(float v) { this.topP = v; return this; }
        public Builder minP(float v) { this.minP = v; return this; }
        public Builder repeatPenalty(float v) { this.repeatPenalty = v; return this; }
        public Builder presencePenalty(float v) { this.presencePenalty = v; return this; }
        public Builder frequencyPenalty(float v) { this.frequencyPenalty = v; return this; }
        public Builder penaltyLastN(int v) { this.penaltyLastN = v; return this; }
        public Builder seed(long v) { this.seed = v; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty,
                    frequencyPenalty, penaltyLastN, seed);
        }
    }
}
