package io.sluice.tools;

import io.sluice.gguf.GgmlType;

/** llama.cpp's {@code general.file_type} values for the whole-file types Sluice writes. */
public final class LlamaFileType {

    public static final String KEY = "general.file_type";
    static final String QUANTIZATION_VERSION_KEY = "general.quantization_version";
    /** ggml's GGML_QNT_VERSION, written by llama.cpp alongside quantized file types. */
    static final int QUANTIZATION_VERSION = 2;

    private LlamaFileType() {
    }

    /** LLAMA_FTYPE_ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2, MOSTLY_Q8_0 = 7. */
    public static int of(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            default -> throw new IllegalArgumentException("no llama.cpp file type for " + type);
        };
    }

    /** Parses a user's type name (case-insensitive): F32, F16, Q8_0 or Q4_0. */
    public static GgmlType parse(String name) {
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            if (t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown type '" + name + "' (expected F32, F16, Q8_0 or Q4_0)");
    }
}
