package io.sluice.tensor.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.gguf.GgmlType;
import org.junit.jupiter.api.Test;

/** llama.cpp's per-tensor choices, tensor by tensor (whole files: KQuantModelTest). */
class TensorTypePolicyTest {

    @Test
    void tiedEmbeddingsAreTheOutputAndGetSixBits() {
        TensorTypePolicy tied = new TensorTypePolicy(QuantType.Q4_K_M, 16, 16, true);
        assertEquals(GgmlType.Q6_K, tied.typeFor("token_embd.weight", 2048));
        TensorTypePolicy untied = new TensorTypePolicy(QuantType.Q4_K_M, 16, 16, false);
        assertEquals(GgmlType.Q4_K, untied.typeFor("token_embd.weight", 2048));
        assertEquals(GgmlType.Q6_K, untied.typeFor("output.weight", 2048));
        assertEquals(GgmlType.Q8_0, untied.typeFor("output.weight", 896)); // Qwen2.5-0.5B's dim
    }

    @Test
    void q5KMixKeepsQ5KWhereQ4KMixHasQ4K() {
        TensorTypePolicy p = new TensorTypePolicy(QuantType.Q5_K_M, 16, 16, false);
        assertEquals(GgmlType.Q6_K, p.typeFor("blk.0.attn_v.weight", 2048));
        assertEquals(GgmlType.Q6_K, p.typeFor("blk.1.attn_v.weight", 2048)); // first eighth: 0, 1
        assertEquals(GgmlType.Q5_K, p.typeFor("blk.2.attn_v.weight", 2048));
        assertEquals(GgmlType.Q6_K, p.typeFor("blk.4.ffn_down.weight", 5632)); // (4 - 2) % 3 == 2
        assertEquals(GgmlType.Q5_K, p.typeFor("blk.4.ffn_up.weight", 2048));
        assertEquals(GgmlType.Q5_1, p.typeFor("blk.1.attn_q.weight", 896));
        assertEquals(GgmlType.Q8_0, p.typeFor("blk.0.attn_v.weight", 896));
        assertEquals(GgmlType.F16, p.typeFor("blk.1.ffn_down.weight", 172));
    }

    @Test
    void singleTypesApplyEverywhere() {
        TensorTypePolicy q4k = new TensorTypePolicy(QuantType.Q4_K, 16, 16, true);
        assertEquals(GgmlType.Q4_K, q4k.typeFor("token_embd.weight", 2048));
        assertEquals(GgmlType.Q4_K, q4k.typeFor("blk.0.attn_v.weight", 2048));
        assertEquals(GgmlType.Q5_0, q4k.typeFor("blk.0.attn_v.weight", 896));
        TensorTypePolicy q8 = new TensorTypePolicy(QuantType.Q8_0, 16, 16, false);
        assertEquals(GgmlType.Q8_0, q8.typeFor("output.weight", 2048));
        assertEquals(GgmlType.F32, q8.typeFor("blk.0.ffn_down.weight", 172)); // as before: kept F32
        TensorTypePolicy q6 = new TensorTypePolicy(QuantType.Q6_K, 16, 16, false);
        assertEquals(GgmlType.Q8_0, q6.typeFor("blk.0.ffn_up.weight", 64));
    }

    @Test
    void namesAndLayers() {
        assertEquals(12, TensorTypePolicy.layerOf("blk.12.attn_v.weight"));
        assertEquals(-1, TensorTypePolicy.layerOf("output.weight"));
        assertEquals(QuantType.Q4_K_M, QuantType.parse(" q4_k_m "));
        assertEquals(15, QuantType.Q4_K_M.llamaFileType());
        assertEquals(17, QuantType.Q5_K_M.llamaFileType());
        assertEquals(18, QuantType.Q6_K.llamaFileType());
        assertThrows(IllegalArgumentException.class, () -> QuantType.parse("Q3_K_M"));
    }
}
