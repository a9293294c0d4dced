package io.sluice.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sampling.SamplingParams;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.Sampler;
import io.sluice.sampling.SamplingScratch;
import io.sluice.sampling.SeededRandom;
import io.sluice.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rejection mode keeps the target's distribution: drafts drawn from the draft model's distribution q, then
 * accepted or resampled against the target's p, are distributed as p (chi-square over many draws), on the
 * distributions of the real shakespeare pair after a prompt.
 */
class RejectionSamplingTest {

    private static final int TRIALS = 40_000;
    private static double[] p;
    private static double[] q;

    @BeforeAll
    static void distributions() {
        SamplingParams t1 = SamplingParams.builder().temperature(1f).topK(0).topP(1f).minP(0f).build();
        try (LlamaModel target = LlamaModel.load(Path.of("../models/shakespeare.gguf"));
                LlamaModel draft = LlamaModel.load(Path.of("../models/shakespeare-draft.gguf"))) {
            int[] prompt = Tokenizer.fromGguf(target.metadata()).encode("ROMEO:\nWhat light", true);
            p = distribution(target, prompt, t1);
            q = distribution(draft, prompt, t1);
        }
    }

    private static double[] distribution(LlamaModel model, int[] prompt, SamplingParams params) {
        KvCacheStorage kv = model.newKvStorage(4, 16, KvType.F32);
        ForwardBatch batch = new ForwardBatch();
        int[] blocks = {0, 1, 2, 3};
        for (int i = 0; i < prompt.length; i++) {
            batch.add(prompt[i], i, blocks, i == prompt.length - 1);
        }
        float[] logits = model.forward(batch, kv);
        int vocab = model.config().vocabSize();
        return new Sampler(params, vocab, 256).distribution(logits, 0, new SamplingScratch());
    }

    /** Chi-square statistic of counts against probabilities, bins with expectation < 5 merged into one. */
    private static double[] chiSquare(int[] counts, double[] probs, int n) {
        double stat = 0;
        double restExpected = 0;
        double restObserved = 0;
        int bins = 0;
        for (int i = 0; i < probs.length; i++) {
            double e = probs[i] * n;
            if (e >= 5) {
                stat += (counts[i] - e) * (counts[i] - e) / e;
                bins++;
            } else {
                restExpected += e;
                restObserved += counts[i];
            }
        }
        if (restExpected > 0) {
            stat += (restObserved - restExpected) * (restObserved - restExpected) / restExpected;
            bins++;
        }
        return new double[] {stat, bins - 1};
    }

    /** Far in the tail of chi-square with df degrees of freedom (about 5 standard deviations). */
    private static double threshold(double df) {
        return df + 5 * Math.sqrt(2 * df);
    }

    private static int drawFrom(double[] probs, double u) {
        double cum = 0;
        for (int i = 0; i < probs.length; i++) {
            cum += probs[i];
            if (u < cum) {
                return i;
            }
        }
        return probs.length - 1;
    }

    @Test
    void draftsFromTheDraftModelEndUpDistributedAsTheTarget() {
        double tv = 0;
        for (int i = 0; i < p.length; i++) {
            tv += Math.abs(p[i] - q[i]) / 2;
        }
        assertTrue(tv > 0.05, "the two models agree too closely for the test to mean anything: " + tv);
        int[] accepted = new int[p.length];
        int[] proposed = new int[p.length];
        int kept = 0;
        for (int i = 0; i < TRIALS; i++) {
            int d = drawFrom(q, SeededRandom.doubleAt(99, i));
            proposed[d]++;
            int t = RejectionSampling.choose(p, q, d, 7, i);
            accepted[t]++;
            if (t == d) {
                kept++;
            }
        }
        double[] result = chiSquare(accepted, p, TRIALS);
        assertTrue(result[0] < threshold(result[1]), "chi-square " + result[0] + " with " + result[1] + " df");
        // the test has power: the drafts themselves are far from p
        double[] drafts = chiSquare(proposed, p, TRIALS);
        assertTrue(drafts[0] > threshold(drafts[1]), "drafts alone pass as p: " + drafts[0]);
        // acceptance is 1 - TV(p, q) in expectation
        assertEquals(1 - tv, (double) kept / TRIALS, 0.02);
    }

    @Test
    void certainDraftsAsFromPromptLookupEndUpDistributedAsTheTarget() {
        int[] counts = new int[p.length];
        int draft = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[draft] * 0.5 && p[i] < p[draft]) {
                draft = i;
            }
        }
        for (int i = 0; i < TRIALS; i++) {
            counts[RejectionSampling.choose(p, null, draft, 11, i)]++;
        }
        double[] result = chiSquare(counts, p, TRIALS);
        assertTrue(result[0] < threshold(result[1]), "chi-square " + result[0] + " with " + result[1] + " df");
    }

    @Test
    void aSeedAndIndexGiveTheSameChoice() {
        for (int i = 0; i < 100; i++) {
            int d = drawFrom(q, SeededRandom.doubleAt(5, i));
            assertEquals(RejectionSampling.choose(p, q, d, 3, i), RejectionSampling.choose(p, q, d, 3, i));
        }
    }
}
