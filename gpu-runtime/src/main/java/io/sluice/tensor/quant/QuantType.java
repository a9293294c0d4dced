package io.sluice.tensor.quant;

import io.sluice.gguf.GgmlType;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What {@code sluice quantize} can write: one tensor type for every weight matrix (F32, F16, Q8_0, Q4_0,
 * Q4_K, Q5_K, Q6_K) or one of llama.cpp's mixes (Q4_K_M, Q5_K_M), whose per-tensor choices
 * {@link TensorTypePolicy} makes. Each has its llama.cpp {@code general.file_type} number.
 *
 * <p>In llama.cpp "Q4_K" and "Q5_K" are other names for the _M mixes; here they mean every matrix in that
 * type (llama.cpp's {@code --pure}), which is what a test of one kernel family wants. Q6_K is the same in
 * both: llama.cpp's Q6_K file stores every matrix in Q6_K.
 */
public enum QuantType {
    F32(GgmlType.F32, 0, false),
    F16(GgmlType.F16, 1, false),
    Q4_0(GgmlType.Q4_0, 2, false),
    Q8_0(GgmlType.Q8_0, 7, false),
    /** LLAMA_FTYPE_MOSTLY_Q4_K_M's number: llama.cpp has none for a pure Q4_K file. */
    Q4_K(GgmlType.Q4_K, 15, false),
    /** LLAMA_FTYPE_MOSTLY_Q5_K_M's number, as for Q4_K. */
    Q5_K(GgmlType.Q5_K, 17, false),
    Q6_K(GgmlType.Q6_K, 18, false),
    Q4_K_M(GgmlType.Q4_K, 15, true),
    Q5_K_M(GgmlType.Q5_K, 17, true);

    private final GgmlType base;
    private final int llamaFileType;
    private final boolean mix;

    QuantType(GgmlType base, int llamaFileType, boolean mix) {
        this.base = base;
        this.llamaFileType = llamaFileType;
        this.mix = mix;
    }

    /** The type most matrices get. */
    public GgmlType base() {
        return base;
    }

    /** llama.cpp's {@code general.file_type} value (enum llama_ftype) for this choice. */
    public int llamaFileType() {
        return llamaFileType;
    }

    /** Whether some tensors get more bits than {@link #base} (llama.cpp's _M mixes). */
    public boolean isMix() {
        return mix;
    }

    /** Whether the output is quantized (and so carries general.quantization_version). */
    public boolean isQuantized() {
        return this != F32 && this != F16;
    }

    /** Parses a user's name, case-insensitively. */
    public static QuantType parse(String name) {
        for (QuantType t : values()) {
            if (t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown type '" + name + "' (expected " + names() + ")");
    }

    /** The names {@link #parse} accepts, for messages: "F32, F16, ...". */
    public static String names() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
