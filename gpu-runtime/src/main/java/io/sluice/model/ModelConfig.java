package io.sluice.model;

import io.sluice.gguf.GgufMetadata;

/**
 * The hyper-parameters of a Llama-family model, read from GGUF metadata ({@code <arch>.*} keys).
 *
 * @param ropeDimensions how many leading dimensions of each head RoPE rotates (usually headDim)
 */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int vocabSize,
        int contextLength,
        float ropeTheta,
        int ropeDimensions,
        float rmsEps) {

    /**
     * Longest context Sluice accepts (the largest published models have about a million positions): the RoPE
     * table and per-request buffers are sized by it, so a hostile context_length must not exhaust memory.
     */
    public static final int MAX_CONTEXT_LENGTH = 1 << 20;
    /** Most cos (and sin) entries of the RoPE table, context_length × rope dimensions / 2 (256 MiB each). */
    static final long MAX_ROPE_TABLE_ENTRIES = 1L << 26;

    public ModelConfig {
        check(dim > 0 && layers > 0 && heads > 0 && kvHeads > 0 && ffn > 0 && vocabSize > 0 && contextLength > 0,
                "model dimensions must be positive");
        check(heads % kvHeads == 0, "head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        check(headDim > 0 && headDim % 2 == 0, "head dimension " + headDim + " must be even and positive");
        check(ropeDimensions > 0 && ropeDimensions <= headDim && ropeDimensions % 2 == 0,
                "rope.dimension_count " + ropeDimensions + " must be even and at most the head dimension " + headDim);
        check(ropeTheta > 0 && Float.isFinite(ropeTheta), "rope.freq_base must be positive");
        check(rmsEps > 0 && rmsEps < 1, "layer_norm_rms_epsilon must be in (0, 1)");
        check((long) heads * headDim <= Integer.MAX_VALUE / 8 && (long) dim * 16 < Integer.MAX_VALUE,
                "model dimensions are absurdly large");
        check(contextLength <= MAX_CONTEXT_LENGTH && (long) contextLength * (ropeDimensions / 2) <= MAX_ROPE_TABLE_ENTRIES,
                "context_length " + contextLength + " with rope.dimension_count " + ropeDimensions
                        + " is larger than Sluice supports (at most " + MAX_CONTEXT_LENGTH + " positions and "
                        + MAX_ROPE_TABLE_ENTRIES + " RoPE table entries)");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("bad model metadata: " + message);
        }
    }

    /** Width of the K and V projections. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Width of the Q projection and attention output. */
    public int qDim() {
        return heads * headDim;
    }

    /** Reads the configuration; {@code vocabSize} comes from the embedding tensor, which the caller knows. */
    public static ModelConfig fromGguf(GgufMetadata md, int vocabSize) {
        Architecture arch = Architecture.fromGguf(md.getString("general.architecture"));
        String p = arch.ggufName() + ".";
        int dim = md.getInt(p + "embedding_length");
        int heads = md.getInt(p + "attention.head_count");
        int kvHeads = md.getInt(p + "attention.head_count_kv", heads);
        check(heads > 0 && dim > 0, "embedding_length and head_count must be positive");
        int headDim = md.getInt(p + "attention.key_length", dim / heads);
        return new ModelConfig(
                arch,
                dim,
                md.getInt(p + "block_count"),
                heads,
                kvHeads,
                headDim,
                md.getInt(p + "feed_forward_length"),
                vocabSize,
                md.getInt(p + "context_length"),
                md.getFloat(p + "rope.freq_base", 10000f),
                md.getInt(p + "rope.dimension_count", headDim),
                md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f));
    }
}
