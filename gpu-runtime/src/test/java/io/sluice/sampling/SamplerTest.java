package io.sluice.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final double EPS = 1e-6;

    /** Plain sampling at temperature 1: no top-k, top-p, min-p, penalties. */
    private static SamplingParams.Builder plain() {
        return SamplingParams.builder().temperature(1f).topK(0).topP(1f).minP(0f);
    }

    private static double[] dist(SamplingParams p, float[] logits, int... history) {
        Sampler s = new Sampler(p, logits.length, 512);
        s.acceptAll(history);
        return s.distribution(logits, 0, new SamplingScratch());
    }

    private static double[] softmax(double... logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] e = Arrays.stream(logits).map(l -> Math.exp(l - max)).toArray();
        double sum = Arrays.stream(e).sum();
        return Arrays.stream(e).map(x -> x / sum).toArray();
    }

    private static float[] logOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    @Test
    void greedyTakesArgmaxAndBreaksTiesToLowestId() {
        Sampler s = new Sampler(SamplingParams.GREEDY, 5, 512);
        SamplingScratch scratch = new SamplingScratch();
        assertEquals(3, s.sample(new float[] {0f, 1f, 2f, 5f, 4f}, 0, scratch));
        assertEquals(1, s.sample(new float[] {0f, 7f, 2f, 7f, 7f}, 0, scratch));
        // the row may sit anywhere in a larger logits array
        float[] two = {9f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 3f, 0f};
        assertEquals(3, s.sample(two, 5, scratch));
        assertEquals(0, s.sample(two, 0, scratch));
    }

    @Test
    void greedyFastPathChoosesWhatTheFullPathChooses() {
        // values from a small set, so that ties, NaN, infinities and suppressed winners all come up
        float[] values = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -1f, 0f, 1f, 2f, 2f};
        java.util.Random random = new java.util.Random(7);
        SamplingScratch scratch = new SamplingScratch();
        for (int round = 0; round < 2000; round++) {
            int vocab = 1 + random.nextInt(12);
            int[] suppressed = random.nextInt(3) == 0 ? new int[0]
                    : new int[] {random.nextInt(vocab), random.nextInt(vocab + 2) - 1};
            Sampler s = new Sampler(SamplingParams.GREEDY, vocab, 512, suppressed);
            int offset = random.nextInt(3);
            float[] logits = new float[offset + vocab + 1];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = values[random.nextInt(values.length)];
            }
            double[] full = s.distribution(logits, offset, scratch); // always the full path: prepare()
            int expected = -1;
            for (int i = 0; i < vocab; i++) {
                if (full[i] == 1.0) {
                    expected = i;
                }
            }
            assertEquals(expected, s.sampleAt(logits, offset, scratch, round),
                    java.util.Arrays.toString(logits) + " at " + offset + ", suppressed "
                            + java.util.Arrays.toString(suppressed));
        }
    }

    @Test
    void greedyAppliesPenaltiesFirst() {
        SamplingParams p = SamplingParams.builder().temperature(0f).repeatPenalty(1.1f).build();
        Sampler s = new Sampler(p, 2, 512);
        SamplingScratch scratch = new SamplingScratch();
        float[] logits = {2f, 1.9f};
        assertEquals(0, s.sample(logits, 0, scratch));
        s.accept(0);
        assertEquals(1, s.sample(logits, 0, scratch)); // 2 / 1.1 = 1.82 < 1.9
    }

    @Test
    void penaltiesFollowLlamaCpp() {
        SamplingParams p = plain().repeatPenalty(2f).frequencyPenalty(0.1f).presencePenalty(0.5f).build();
        float[] logits = {2f, -1f, 0.5f, 3f, 1f};
        double[] got = dist(p, logits, 0, 1, 0);
        // token 0 (twice): 2 / 2 - 2 * 0.1 - 0.5 = 0.3; token 1 (once): -1 * 2 - 0.1 - 0.5 = -2.6
        assertArrayEquals(softmax(0.3, -2.6, 0.5, 3, 1), got, EPS);
    }

    @Test
    void penaltiesOnlySeeTheLastNTokens() {
        SamplingParams p = plain().repeatPenalty(2f).penaltyLastN(2).build();
        float[] logits = {2f, 2f, 2f, 2f};
        double[] got = dist(p, logits, 0, 0, 1, 2);
        assertArrayEquals(softmax(2, 1, 1, 2), got, EPS);
        SamplingParams off = plain().repeatPenalty(2f).penaltyLastN(0).build();
        assertArrayEquals(softmax(2, 2, 2, 2), dist(off, logits, 0, 1, 2), EPS);
        SamplingParams whole = plain().repeatPenalty(2f).penaltyLastN(-1).build();
        assertArrayEquals(softmax(1, 1, 1, 2), dist(whole, logits, 0, 0, 1, 2, 0, 1, 2), EPS);
    }

    @Test
    void topKKeepsTheKBest() {
        double[] got = dist(plain().topK(2).build(), new float[] {1f, 2f, 4f, 3f});
        double[] top = softmax(4, 3);
        assertArrayEquals(new double[] {0, 0, top[0], top[1]}, got, EPS);
        // ties at the cut go to the lowest ids
        double[] tie = dist(plain().topK(2).build(), new float[] {1f, 1f, 1f, 0f});
        assertArrayEquals(new double[] {0.5, 0.5, 0, 0}, tie, EPS);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        float[] logits = logOf(0.5, 0.3, 0.15, 0.05);
        assertArrayEquals(new double[] {0.625, 0.375, 0, 0}, dist(plain().topP(0.7f).build(), logits), EPS);
        assertArrayEquals(new double[] {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0},
                dist(plain().topP(0.85f).build(), logits), EPS);
        assertArrayEquals(new double[] {1, 0, 0, 0}, dist(plain().topP(0.1f).build(), logits), EPS);
    }

    @Test
    void minPKeepsTokensAboveAFractionOfTheBest() {
        float[] logits = logOf(0.5, 0.3, 0.15, 0.05);
        assertArrayEquals(new double[] {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0},
                dist(plain().minP(0.2f).build(), logits), EPS);
        assertArrayEquals(new double[] {0.625, 0.375, 0, 0}, dist(plain().minP(0.5f).build(), logits), EPS);
    }

    @Test
    void temperatureScalesLogits() {
        float[] logits = {0f, (float) Math.log(2)};
        assertArrayEquals(new double[] {0.2, 0.8}, dist(plain().temperature(0.5f).build(), logits), EPS);
        assertArrayEquals(new double[] {1 / (1 + Math.sqrt(2)), Math.sqrt(2) / (1 + Math.sqrt(2))},
                dist(plain().temperature(2f).build(), logits), EPS);
    }

    @Test
    void filtersRunBeforeTemperature() {
        // top-p at temperature 1 keeps 0.5 and 0.3; temperature 2 then flattens what is left
        float[] logits = logOf(0.5, 0.3, 0.2);
        double a = Math.sqrt(0.5), b = Math.sqrt(0.3);
        assertArrayEquals(new double[] {a / (a + b), b / (a + b), 0},
                dist(plain().topP(0.6f).temperature(2f).build(), logits), EPS);
        // order top-k -> top-p: top-k 2 leaves {0.5, 0.3}, renormalized 0.625 >= 0.6 keeps one token
        assertArrayEquals(new double[] {1, 0, 0}, dist(plain().topK(2).topP(0.6f).build(), logits), EPS);
    }

    @Test
    void suppressedTokensAreNeverChosen() {
        float[] logits = {0f, 10f, 0f};
        Sampler s = new Sampler(SamplingParams.GREEDY, 3, 512, 1);
        assertEquals(0, s.sample(logits, 0, new SamplingScratch()));
        Sampler t = new Sampler(plain().build(), 3, 512, 1);
        assertArrayEquals(new double[] {0.5, 0, 0.5}, t.distribution(logits, 0, new SamplingScratch()), EPS);
    }

    @Test
    void sameSeedGivesSameTokensAndOtherSeedsDiffer() {
        float[][] rows = randomRows(200, 50, 7);
        int[] a = run(plain().seed(42).build(), rows);
        int[] b = run(plain().seed(42).build(), rows);
        int[] c = run(plain().seed(43).build(), rows);
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
    }

    @Test
    void samplingIsIndependentOfOtherSequencesAndScratchReuse() {
        float[][] rows = randomRows(100, 64, 3);
        SamplingParams p = SamplingParams.builder().temperature(0.8f).topK(20).topP(0.9f).minP(0.02f)
                .repeatPenalty(1.2f).seed(9).build();
        int[] alone = run(p, rows);
        // interleave with another sequence sharing the scratch
        Sampler mine = new Sampler(p, 64, 512);
        Sampler other = new Sampler(plain().seed(1).build(), 64, 512);
        SamplingScratch shared = new SamplingScratch();
        int[] mixed = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            other.accept(other.sample(rows[rows.length - 1 - i], 0, shared));
            mixed[i] = mine.sample(rows[i], 0, shared);
            mine.accept(mixed[i]);
        }
        assertArrayEquals(alone, mixed);
    }

    @Test
    void samplingFrequenciesMatchProbabilities() {
        double[] probs = {0.5, 0.3, 0.15, 0.05};
        float[] logits = logOf(probs);
        Sampler s = new Sampler(plain().seed(123).build(), 4, 512);
        SamplingScratch scratch = new SamplingScratch();
        int n = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits, 0, scratch)]++;
        }
        for (int i = 0; i < 4; i++) {
            double sigma = Math.sqrt(n * probs[i] * (1 - probs[i]));
            assertTrue(Math.abs(counts[i] - n * probs[i]) < 4.5 * sigma,
                    "token " + i + ": " + counts[i] + " draws, expected about " + n * probs[i]);
        }
    }

    @Test
    void largeVocabularyTopKMatchesFullSort() {
        float[] row = randomRows(1, 32000, 11)[0];
        double[] viaHeap = dist(plain().topK(40).build(), row);
        // the same 40 tokens via an explicit sort of all ids
        Integer[] ids = new Integer[row.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Arrays.sort(ids, (x, y) -> row[x] != row[y] ? Float.compare(row[y], row[x]) : Integer.compare(x, y));
        double[] best = new double[40];
        for (int i = 0; i < 40; i++) {
            best[i] = row[ids[i]];
        }
        double[] expected = softmax(best);
        for (int i = 0; i < 40; i++) {
            assertEquals(expected[i], viaHeap[ids[i]], EPS);
        }
        assertEquals(1.0, Arrays.stream(viaHeap).sum(), 1e-9);
    }

    private static int[] run(SamplingParams p, float[][] rows) {
        Sampler s = new Sampler(p, rows[0].length, 512);
        SamplingScratch scratch = new SamplingScratch();
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = s.sample(rows[i], 0, scratch);
            s.accept(out[i]);
        }
        return out;
    }

    private static float[][] randomRows(int count, int vocab, long seed) {
        Random r = new Random(seed);
        float[][] rows = new float[count][vocab];
        for (float[] row : rows) {
            for (int i = 0; i < vocab; i++) {
                row[i] = (float) (r.nextGaussian() * 2);
            }
        }
        return rows;
    }
}
