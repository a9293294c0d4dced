package io.sluice.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The model families Sluice runs. {@code llama} covers Llama 2/3, TinyLlama, SmolLM and Mistral; {@code qwen2}
 * adds Q/K/V biases and rotates halves ("NeoX" RoPE) instead of adjacent pairs.
 */
public enum Architecture {
    LLAMA("llama", RopeStyle.ADJACENT_PAIRS, false),
    QWEN2("qwen2", RopeStyle.HALVES, true);

    private final String ggufName;
    private final RopeStyle ropeStyle;
    private final boolean qkvBias;

    Architecture(String ggufName, RopeStyle ropeStyle, boolean qkvBias) {
        this.ggufName = ggufName;
        this.ropeStyle = ropeStyle;
        this.qkvBias = qkvBias;
    }

    public String ggufName() {
        return ggufName;
    }

    public RopeStyle ropeStyle() {
        return ropeStyle;
    }

    public boolean hasQkvBias() {
        return qkvBias;
    }

    /** The architecture named by {@code general.architecture}; others are refused by name. */
    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported model architecture '" + name + "' (supported: "
                + Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", ")) + ")");
    }
}
