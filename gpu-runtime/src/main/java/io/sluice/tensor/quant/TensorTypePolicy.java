package io.sluice.tensor.quant;

import io.sluice.gguf.GgmlType;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The type each weight matrix of a Llama-family GGUF gets for a {@link QuantType}: llama.cpp's rules
 * (llama-quant.cpp, llama_tensor_get_type, for a dense model without an importance matrix).
 *
 * <p>For the mixes Q4_K_M and Q5_K_M:
 * <ul>
 *   <li>{@code output.weight}, or {@code token_embd.weight} when there is no output matrix (tied
 *       embeddings: the embedding is then the output projection), is Q6_K; Q8_0 when its rows are not
 *       multiples of 256;</li>
 *   <li>{@code attn_v} (and fused {@code attn_qkv}, {@code attn_kv_b}) of layer i among n such tensors, and
 *       {@code ffn_down} of layer i of n layers, are Q6_K when {@link #useMoreBits}(i, n): the first and last
 *       eighth of the layers and every third one between;</li>
 *   <li>every other matrix, the untied {@code token_embd} included, is the base type (Q4_K or Q5_K).</li>
 * </ul>
 * For the single-type choices every matrix gets the type. K-quants need rows that are multiples of 256:
 * where a row is not, the type falls back as llama.cpp's does (Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0,
 * and F16 when even 32 does not divide the row). Q8_0 and Q4_0 keep a matrix whose rows are not whole blocks
 * in F32. Not reproduced: llama.cpp's special cases for mixture-of-experts, Falcon and 70B Llama models,
 * which Sluice does not run.
 */
public final class TensorTypePolicy {

    private static final Pattern LAYER = Pattern.compile("^blk\\.(\\d+)\\.");

    private final QuantType target;
    private final int layers;
    private final int attentionV;
    private final boolean tiedEmbeddings;

    /**
     * @param layers the model's transformer blocks (ffn_down's n)
     * @param attentionV how many attn_v-like tensors the model has (attn_v's n)
     * @param tiedEmbeddings whether the file has no {@code output.weight}
     */
    public TensorTypePolicy(QuantType target, int layers, int attentionV, boolean tiedEmbeddings) {
        this.target = target;
        this.layers = layers;
        this.attentionV = attentionV;
        this.tiedEmbeddings = tiedEmbeddings;
    }

    /** Whether a tensor of this name is attn_v-like (counts towards {@code attentionV}). */
    public static boolean isAttentionV(String name) {
        return name.contains("attn_v.weight") || name.contains("attn_qkv.weight") || name.contains("attn_kv_b.weight");
    }

    /** The transformer block of a tensor named {@code blk.N.…}, or -1. */
    public static int layerOf(String name) {
        Matcher m = LAYER.matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * llama.cpp's use_more_bits: layer i of n gets more bits when it is in the first or last eighth, or every
     * third layer in between.
     */
    public static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** The type of the weight matrix {@code name} whose rows hold {@code rowLength} elements. */
    public GgmlType typeFor(String name, long rowLength) {
        GgmlType type = target.isMix() ? mixType(name, rowLength) : target.base();
        return fitting(type, rowLength);
    }

    private GgmlType mixType(String name, long rowLength) {
        if (name.equals("output.weight") || (tiedEmbeddings && name.equals("token_embd.weight"))) {
            return rowLength % GgmlType.Q6_K.blockSize() == 0 ? GgmlType.Q6_K : GgmlType.Q8_0;
        }
        int layer = layerOf(name);
        if (isAttentionV(name) && layer >= 0 && useMoreBits(layer, attentionV)) {
            return GgmlType.Q6_K;
        }
        if (name.contains("ffn_down") && layer >= 0 && useMoreBits(layer, layers)) {
            return GgmlType.Q6_K;
        }
        return target.base();
    }

    private static GgmlType fitting(GgmlType type, long rowLength) {
        if (type.fitsRow(rowLength)) {
            return type;
        }
        GgmlType fallback = switch (type) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> GgmlType.F32;
        };
        if (fallback == GgmlType.F32) {
            return GgmlType.F32;
        }
        return fallback.fitsRow(rowLength) ? fallback : GgmlType.F16;
    }
}
