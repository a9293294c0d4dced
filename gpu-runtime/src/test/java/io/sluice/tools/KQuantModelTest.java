package io.sluice.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.model.ForwardBatch;
import io.sluice.kv.KvCacheStorage;
import io.sluice.model.LlamaModel;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tensor.quant.Quantizer;
import io.sluice.tensor.quant.TensorTypePolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole models in K-quant files: llama.cpp's per-tensor types, the stored bytes, and that they still run. */
class KQuantModelTest {

    private static final int LAYERS = 8;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private static Path f16;
    private static Path q4km;

    @BeforeAll
    static void synthesize() throws IOException {
        f16 = shared.resolve("synth-f16.gguf");
        ModelSynthesizer.builder().dim(256).layers(LAYERS).heads(4).kvHeads(2).ffn(512).vocab(320).context(64)
                .type(GgmlType.F16).seed(11).build().write(f16);
        q4km = shared.resolve("synth-q4km.gguf");
        ModelQuantizer.quantize(f16, q4km, QuantType.Q4_K_M);
    }

    @Test
    void q4KMixGivesSixBitsWhereLlamaCppDoes() throws IOException {
        Path out = dir.resolve("q4km.gguf");
        ModelQuantizer.Report report = ModelQuantizer.quantize(f16, out, QuantType.Q4_K_M);
        // 8 layers: use_more_bits picks layers 0 (first eighth), 7 (last eighth), 3 and 6 (every third).
        int[] sixBitLayers = {0, 3, 6, 7};
        assertEquals(Map.of(GgmlType.Q4_K, 1 + 7 * LAYERS - 2 * sixBitLayers.length, GgmlType.Q6_K,
                1 + 2 * sixBitLayers.length), report.matrices());
        try (GgufFile src = GgufFile.open(f16); GgufFile q = GgufFile.open(out)) {
            assertEquals(15, q.metadata().getInt("general.file_type"));
            assertEquals(2, q.metadata().getInt("general.quantization_version"));
            assertEquals(GgmlType.Q6_K, q.tensor("output.weight").type());
            assertEquals(GgmlType.Q4_K, q.tensor("token_embd.weight").type()); // untied: the base type
            assertEquals(GgmlType.F32, q.tensor("blk.0.attn_norm.weight").type());
            for (int l = 0; l < LAYERS; l++) {
                int layer = l;
                boolean more = Arrays.stream(sixBitLayers).anyMatch(x -> x == layer);
                GgmlType expected = more ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertEquals(expected, q.tensor("blk." + l + ".attn_v.weight").type(), "layer " + l);
                assertEquals(expected, q.tensor("blk." + l + ".ffn_down.weight").type(), "layer " + l);
                for (String m : new String[] {"attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"}) {
                    assertEquals(GgmlType.Q4_K, q.tensor("blk." + l + "." + m + ".weight").type());
                }
            }
            // A matrix's bytes are exactly the quantizer's output on the source.
            for (String name : new String[] {"blk.3.ffn_down.weight", "blk.2.attn_q.weight", "output.weight"}) {
                GgufTensorInfo t = q.tensor(name);
                float[] source = ModelSynthesizerTest.values(src, src.tensor(name));
                assertEquals(ByteBuffer.wrap(Quantizer.quantize(t.type(), source)), q.data(t), name);
            }
        }
    }

    @Test
    void kQuantModelsRunAndStayCloseToTheirSource() throws IOException {
        float[] reference = logits(f16);
        double previous = 0;
        // From most to fewest bits the logits move further from the source's (random weights amplify errors
        // layer by layer: measured 0.05, 0.17, 0.19 relative RMS), and the mix is better than pure Q4_K.
        for (QuantType type : new QuantType[] {QuantType.Q6_K, QuantType.Q4_K_M, QuantType.Q4_K}) {
            Path out = q4km;
            if (type != QuantType.Q4_K_M) {
                out = dir.resolve(type + ".gguf");
                ModelQuantizer.quantize(f16, out, type);
            }
            double error = relativeRms(reference, logits(out));
            System.out.printf("%s relative logit error %.4f%n", type, error);
            assertTrue(error > previous && error < 0.3, type + ": relative logit error " + error);
            previous = error;
        }
    }

    @Test
    void aTrainedModelPredictsTheSameTokens() throws IOException {
        // shakespeare.gguf (dim 192, 6 layers): only ffn_down's rows of 512 take K-quants (Q6_K in layers 2 and
        // 5); the other matrices fall back as in llama.cpp: Q4_K to Q5_0, Q6_K (output; attn_v of layers 2, 5)
        // to Q8_0.
        Path out = dir.resolve("shakespeare-q4km.gguf");
        ModelQuantizer.Report report = ModelQuantizer.quantize(ModelQuantizerTest.SHAKESPEARE, out, QuantType.Q4_K_M);
        assertEquals(Map.of(GgmlType.Q5_0, 1 + 6 * 5 + 4, GgmlType.Q4_K, 4, GgmlType.Q6_K, 2, GgmlType.Q8_0, 3),
                report.matrices());
        float[] reference = logits(ModelQuantizerTest.SHAKESPEARE);
        float[] quantized = logits(out);
        int vocab = 1024;
        int agree = 0;
        int rows = reference.length / vocab;
        for (int r = 0; r < rows; r++) {
            agree += argmax(reference, r * vocab, vocab) == argmax(quantized, r * vocab, vocab) ? 1 : 0;
        }
        System.out.printf("shakespeare Q4_K_M: %d of %d argmax agree, relative logit error %.4f%n", agree, rows,
                relativeRms(reference, quantized));
        assertTrue(agree >= rows * 0.8, agree + " of " + rows + " next-token predictions agree");
        assertTrue(relativeRms(reference, quantized) < 0.1, "relative logit error " + relativeRms(reference, quantized));
    }

    @Test
    void rowsThatAreNotMultiplesOf256FallBackAsInLlamaCpp() throws IOException {
        // stories260K: dim 64 (Q4_K -> Q5_0; the output Q6_K -> Q8_0), ffn 172 (ffn_down: not even 32 -> F16).
        Path out = dir.resolve("stories-q4km.gguf");
        ModelQuantizer.quantize(ModelSynthesizerTest.STORIES, out, QuantType.Q4_K_M);
        try (GgufFile q = GgufFile.open(out)) {
            assertEquals(GgmlType.Q8_0, q.tensor("output.weight").type());
            assertEquals(GgmlType.Q5_0, q.tensor("token_embd.weight").type());
            assertEquals(GgmlType.Q5_0, q.tensor("blk.1.attn_q.weight").type());
            assertEquals(GgmlType.F16, q.tensor("blk.0.ffn_down.weight").type());
        }
        Path q5 = dir.resolve("stories-q5k.gguf");
        ModelQuantizer.quantize(ModelSynthesizerTest.STORIES, q5, QuantType.Q5_K);
        try (GgufFile q = GgufFile.open(q5)) {
            assertEquals(GgmlType.Q5_1, q.tensor("blk.1.attn_q.weight").type());
            assertEquals(GgmlType.Q5_1, q.tensor("output.weight").type()); // pure: no Q6_K output
        }
        assertTrue(logits(q5).length > 0);
    }

    @Test
    void useMoreBitsMatchesLlamaCppForThirtyTwoLayers() {
        // A 7B Llama: layers 0-3, 28-31 and every third from 6.
        StringBuilder more = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            if (TensorTypePolicy.useMoreBits(i, 32)) {
                more.append(i).append(' ');
            }
        }
        assertEquals("0 1 2 3 6 9 12 15 18 21 24 27 28 29 30 31 ", more.toString());
    }

    /** Logits of every position of a fixed 24-token sequence. */
    private static float[] logits(Path model) {
        try (LlamaModel m = LlamaModel.load(model)) {
            KvCacheStorage kv = m.newKvStorage(4, 8, io.sluice.kv.KvType.F32);
            int[] table = {0, 1, 2, 3};
            ForwardBatch batch = new ForwardBatch();
            SplittableRandom random = new SplittableRandom(5);
            int vocab = m.config().vocabSize();
            for (int p = 0; p < 24; p++) {
                batch.add(3 + random.nextInt(vocab - 3), p, table, true);
            }
            return m.forward(batch, kv).clone();
        }
    }

    private static double relativeRms(float[] expected, float[] actual) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = expected[i] - actual[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }

    private static int argmax(float[] v, int at, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[at + i] > v[at + best]) {
                best = i;
            }
        }
        return best;
    }
}
