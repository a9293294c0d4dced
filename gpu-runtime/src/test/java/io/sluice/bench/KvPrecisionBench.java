package io.sluice.bench;

import io.sluice.engine.EngineConfig;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.LlamaEngine;
import io.sluice.sampling.SamplingParams;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import java.nio.file.Path;

/**
 * What the 8-bit KV cache costs in accuracy: a sampled text is scored with F32 and with 8-bit KV storage,
 * and the next-token distributions at every position are compared (KL divergence, the chosen token's
 * log-probability, top-1 agreement). Usage: KvPrecisionBench MODEL [TOKENS].
 */
public final class KvPrecisionBench {
    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int length = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        try (LlamaModel model = LlamaModel.load(path)) {
            int[] text;
            try (LlamaEngine engine = new LlamaEngine(model, EngineConfig.builder(path).build(), false)) {
                var c = engine.submit(GenerationRequest.builder("t").promptIds(1).maxTokens(length - 1)
                        .sampling(SamplingParams.builder().temperature(0.8f).seed(7).build()).build()).get();
                text = new int[c.tokenIds().length + 1];
                text[0] = 1;
                System.arraycopy(c.tokenIds(), 0, text, 1, c.tokenIds().length);
            }
            double[][] exact = logSoftmax(model, text, false);
            double[][] q8 = logSoftmax(model, text, true);
            double kl = 0;
            double maxChosen = 0;
            double sumChosen = 0;
            int agree = 0;
            int n = text.length - 1;
            for (int i = 0; i < n; i++) {
                double k = 0;
                int best = 0;
                int bestQ = 0;
                for (int v = 0; v < exact[i].length; v++) {
                    k += Math.exp(exact[i][v]) * (exact[i][v] - q8[i][v]);
                    best = exact[i][v] > exact[i][best] ? v : best;
                    bestQ = q8[i][v] > q8[i][bestQ] ? v : bestQ;
                }
                kl += k;
                agree += best == bestQ ? 1 : 0;
                double d = Math.abs(exact[i][text[i + 1]] - q8[i][text[i + 1]]);
                sumChosen += d;
                maxChosen = Math.max(maxChosen, d);
            }
            System.out.printf("%d positions: mean KL %.2e nats, chosen-token |dlogprob| mean %.4f max %.4f, top-1 agreement %.1f%%%n",
                    n, kl / n, sumChosen / n, maxChosen, 100.0 * agree / n);
        }
    }

    private static double[][] logSoftmax(LlamaModel model, int[] text, boolean q8) {
        int blockSize = 16;
        int blocks = (text.length + blockSize - 1) / blockSize;
        KvCacheStorage kv = model.newKvStorage(blocks, blockSize, q8 ? KvType.Q8 : KvType.F32);
        int[] table = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            table[i] = i;
        }
        ForwardBatch batch = new ForwardBatch();
        for (int i = 0; i < text.length - 1; i++) {
            batch.add(text[i], i, table, true);
        }
        float[] logits = model.forward(batch, kv);
        int vocab = model.config().vocabSize();
        double[][] out = new double[text.length - 1][vocab];
        for (int i = 0; i < out.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[i * vocab + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[i * vocab + v] - max);
            }
            for (int v = 0; v < vocab; v++) {
                out[i][v] = logits[i * vocab + v] - max - Math.log(sum);
            }
        }
        return out;
    }
}
