package io.sluice.kv;

import java.util.Locale;

/**
 * How a KV cache stores keys and values: {@link #F32} exactly, {@link #F16} rounded to half precision (to
 * nearest, ties to even; half the memory), or {@link #Q8} in 8-bit blocks of 32 values with one float scale
 * each (as ggml's Q8_0 rounds them; about a quarter of F32). Every backend implements all three; attention
 * then computes in float on the stored values.
 */
public enum KvType {
    F32(4),
    F16(2),
    Q8(1);

    /** Values per scale in {@link #Q8} storage: a head must not split a block. */
    public static final int Q8_BLOCK = 32;

    private final int entryBytes;

    KvType(int entryBytes) {
        this.entryBytes = entryBytes;
    }

    /** Bytes per stored value, scales not included. */
    public int entryBytes() {
        return entryBytes;
    }

    /** Bytes of one token's keys (or values) of one layer, scales included. */
    public long rowBytes(int kvDim) {
        return (long) entryBytes * kvDim + (this == Q8 ? 4L * (kvDim / Q8_BLOCK) : 0);
    }

    /** Bytes one token takes in {@code layers} layers, keys and values together. */
    public long bytesPerToken(int layers, int kvDim) {
        return 2L * layers * rowBytes(kvDim);
    }

    /**
     * Checks that heads of {@code headDim} values can be stored: 8-bit blocks must not straddle two heads.
     *
     * @throws IllegalArgumentException naming the head dimension
     */
    public void checkHeadDim(int headDim) {
        if (this == Q8 && headDim % Q8_BLOCK != 0) {
            throw new IllegalArgumentException("an 8-bit KV cache needs a head dimension that is a multiple of "
                    + Q8_BLOCK + "; this model's is " + headDim);
        }
    }

    /**
     * Parses {@code f32}, {@code f16} or {@code q8}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static KvType parse(String text) {
        String s = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        for (KvType t : values()) {
            if (t.name().equals(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException("KV type '" + text + "' is not one of f32, f16, q8");
    }

    /** {@code f32}, {@code f16} or {@code q8}, as {@link #parse} reads it. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
