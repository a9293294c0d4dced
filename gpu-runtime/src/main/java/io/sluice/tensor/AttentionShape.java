package io.sluice.tensor;

/**
 * The fixed shape of a model's attention: {@code heads} query heads of {@code headDim} sharing {@code kvHeads}
 * key/value heads (grouped queries), scores scaled by {@code scale}.
 */
public record AttentionShape(int heads, int kvHeads, int headDim, float scale) {
    public AttentionShape {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("invalid attention shape: " + heads + " heads, " + kvHeads
                    + " KV heads of " + headDim);
        }
    }

    /** Query heads per KV head. */
    public int group() {
        return heads / kvHeads;
    }

    /** Floats of one row's queries. */
    public int qDim() {
        return heads * headDim;
    }

    /** Floats of one row's keys (and of its values). */
    public int kvDim() {
        return kvHeads * headDim;
    }
}
