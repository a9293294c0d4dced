package io.sluice.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogprobsTest {

    @Test
    void logSoftmaxOfARow() {
        float[] logits = {5f, 1f, 2f, 3f};
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(lse, Logprobs.logSumExp(logits, 1, 3), 1e-9);
        assertEquals(2 - lse, Logprobs.of(logits, 1, 3, 1), 1e-6);
    }

    @Test
    void topKIsBestFirstWithTiesToLowestId() {
        float[] logits = {1f, 3f, 2f, 3f};
        double lse = Math.log(Math.exp(1) + 2 * Math.exp(3) + Math.exp(2));
        List<TokenLogprob> top = Logprobs.topK(logits, 0, 4, 3);
        assertEquals(3, top.size());
        assertEquals(1, top.get(0).tokenId());
        assertEquals(3, top.get(1).tokenId());
        assertEquals(2, top.get(2).tokenId());
        assertEquals(3 - lse, top.get(0).logprob(), 1e-6);
        assertEquals(2 - lse, top.get(2).logprob(), 1e-6);
        assertEquals(4, Logprobs.topK(logits, 0, 4, 10).size());
        assertEquals(0, Logprobs.topK(logits, 0, 4, 0).size());
    }

    @Test
    void probabilitiesSumToOne() {
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i) * 10;
        }
        double sum = 0;
        for (TokenLogprob t : Logprobs.topK(logits, 0, 1000, 1000)) {
            sum += Math.exp(t.logprob());
        }
        assertEquals(1.0, sum, 1e-4);
    }
}
