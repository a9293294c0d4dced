package io.sluice.tokenizer;

/** The type of a vocabulary entry, as stored in {@code tokenizer.ggml.token_type}. */
public enum TokenType {
    UNDEFINED,
    NORMAL,
    /** The unknown token ({@code <unk>}). */
    UNKNOWN,
    /** Turn and sequence markers ({@code <s>}, {@code <|im_start|>}): never produced from user text. */
    CONTROL,
    /** Tokens added by the model's authors; matched verbatim in text before the tokenizer runs. */
    USER_DEFINED,
    UNUSED,
    /** Byte-fallback tokens ({@code <0x0A>}). */
    BYTE;

    /** The type for GGUF's numeric code; unknown codes read as {@link #UNDEFINED}, as in llama.cpp. */
    public static TokenType fromCode(int code) {
        return switch (code) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> UNDEFINED;
        };
    }

    /** Control and unknown tokens render as nothing in decoded text and are never produced from user text. */
    public boolean isSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }
}
