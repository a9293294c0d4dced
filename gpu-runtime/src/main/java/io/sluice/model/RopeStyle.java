package io.sluice.model;

/**
 * Which dimensions RoPE rotates together: Llama's GGUF files (after the converter's Q/K permutation) rotate
 * adjacent pairs (2i, 2i+1); Qwen2 and other "NeoX"-style models rotate (i, i + d/2).
 */
public enum RopeStyle {
    ADJACENT_PAIRS,
    HALVES
}
