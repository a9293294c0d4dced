package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvType;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's key promise: a request's tokens (greedy, and sampled with a seed) and log-probabilities are
 * bit-identical whatever else is in the batch, however its prompt is chunked, whenever it joins, whether its
 * prefix came from the cache and whether it was preempted and recomputed.
 */
class ReplaySafetyTest {

    private static LlamaModel stories;
    private static List<GenerationRequest> workload;
    private static Map<String, Completion> alone;

    @BeforeAll
    static void reference() throws Exception {
        stories = LlamaModel.load(LlamaEngineTest.STORIES);
        workload = workload(new Random(2024), 14, stories.config().vocabSize());
        alone = new HashMap<>();
        try (LlamaEngine engine = new LlamaEngine(stories, base(stories).maxSequences(1).prefixCaching(false).build(),
                false)) {
            for (GenerationRequest r : workload) {
                alone.put(r.id(), engine.submit(r).get(60, TimeUnit.SECONDS));
            }
        }
    }

    @AfterAll
    static void close() {
        stories.close();
    }

    static EngineConfig.Builder base(LlamaModel model) {
        return EngineConfig.builder(model.path()).kvCacheBytes(32L << 20);
    }

    /** Mixed requests: greedy and seeded sampling, shared prefixes, logprobs, varied lengths. */
    static List<GenerationRequest> workload(Random random, int count, int vocab) {
        int[] system = random.ints(33, 3, vocab).toArray();
        system[0] = 1;
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int tail = 1 + random.nextInt(24);
            boolean shared = i % 3 != 2;
            int[] prompt = new int[(shared ? system.length : 1) + tail];
            if (shared) {
                System.arraycopy(system, 0, prompt, 0, system.length);
            } else {
                prompt[0] = 1;
            }
            for (int j = prompt.length - tail; j < prompt.length; j++) {
                prompt[j] = 3 + random.nextInt(vocab - 3);
            }
            SamplingParams sampling = i % 2 == 0 ? SamplingParams.GREEDY
                    : SamplingParams.builder().temperature(0.7f + 0.1f * (i % 5)).topK(i % 4 == 1 ? 0 : 40)
                            .topP(0.95f).minP(0.02f).repeatPenalty(i % 3 == 0 ? 1.1f : 1f)
                            .frequencyPenalty(i % 7 == 0 ? 0.2f : 0f).seed(1000 + i).build();
            out.add(GenerationRequest.builder("r" + i).promptIds(prompt).sampling(sampling)
                    .maxTokens(8 + random.nextInt(40)).logprobs(i % 4 == 0 ? 2 : 0)
                    .promptLogprobs(i == 5 ? 3 : -1).ignoreEos(i % 5 == 4).build());
        }
        return out;
    }

    static Map<String, Completion> run(LlamaModel model, EngineConfig config, List<GenerationRequest> requests,
                                       Consumer<Integer> beforeSubmit, Consumer<LlamaEngine> check) throws Exception {
        return run(() -> new LlamaEngine(model, config, false), requests, beforeSubmit, check);
    }

    /** Submits the requests to a new engine ({@code beforeSubmit} runs before each), collects, then checks it. */
    static Map<String, Completion> run(Supplier<LlamaEngine> newEngine, List<GenerationRequest> requests,
                                       Consumer<Integer> beforeSubmit, Consumer<LlamaEngine> check) throws Exception {
        Map<String, Completion> out = new HashMap<>();
        try (LlamaEngine engine = newEngine.get()) {
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                beforeSubmit.accept(i);
                fs.add(engine.submit(requests.get(i)));
            }
            for (CompletableFuture<Completion> f : fs) {
                Completion c = f.get(120, TimeUnit.SECONDS);
                out.put(c.requestId(), c);
            }
            check.accept(engine);
        }
        return out;
    }

    static void assertSame(Map<String, Completion> expected, Map<String, Completion> actual, String variant) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String id : expected.keySet()) {
            Completion e = expected.get(id);
            Completion a = actual.get(id);
            assertArrayEquals(e.tokenIds(), a.tokenIds(), variant + ": tokens of " + id);
            assertEquals(e.finishReason(), a.finishReason(), variant + ": finish of " + id);
            assertEquals(e.logprobs(), a.logprobs(), variant + ": logprobs of " + id);
            assertEquals(e.promptLogprobs(), a.promptLogprobs(), variant + ": prompt logprobs of " + id);
        }
    }

    private static final Consumer<Integer> NOW = i -> { };
    private static final Consumer<LlamaEngine> NO_CHECK = e -> { };

    @Test
    void referenceRunsAreNontrivial() {
        long sampledDiffer = workload.stream().filter(r -> !r.sampling().isGreedy()).count();
        assertTrue(sampledDiffer > 0);
        int total = alone.values().stream().mapToInt(Completion::completionTokens).sum();
        assertTrue(total > 100, "generated only " + total + " tokens");
    }

    @Test
    void allTogether() throws Exception {
        assertSame(alone, run(stories, base(stories).maxSequences(16).build(), workload, NOW, NO_CHECK), "together");
    }

    @Test
    void shuffledWithSmallChunksAndFewSequences() throws Exception {
        List<GenerationRequest> shuffled = new ArrayList<>(workload);
        Collections.shuffle(shuffled, new Random(7));
        assertSame(alone, run(stories, base(stories).maxSequences(3).maxBatchTokens(5).build(), shuffled, NOW,
                NO_CHECK), "chunks of 5");
    }

    @Test
    void oneTokenPerStep() throws Exception {
        assertSame(alone, run(stories, base(stories).maxSequences(4).maxBatchTokens(1).prefixCaching(false).build(),
                workload, NOW, NO_CHECK), "budget 1");
    }

    @Test
    void joiningAtDifferentSteps() throws Exception {
        assertSame(alone, run(stories, base(stories).maxSequences(6).maxBatchTokens(24).build(), workload,
                i -> sleep(i % 3 * 3), NO_CHECK), "staggered");
    }

    @Test
    void preemptedByATinyKvPool() throws Exception {
        long block = stories.kvBytesPerToken(EngineConfig.DEFAULT_KV_TYPE) * 16;
        EngineConfig tiny = base(stories).maxSequences(8).kvCacheBytes(7 * block).build();
        assertSame(alone, run(stories, tiny, workload, NOW,
                e -> assertTrue(e.stats().preemptions() > 0, "no preemption happened")), "preempted");
    }

    @Test
    void servedFromThePrefixCache() throws Exception {
        try (LlamaEngine engine = new LlamaEngine(stories, base(stories).maxSequences(4).build(), false)) {
            for (int pass = 0; pass < 2; pass++) {
                Map<String, Completion> out = new HashMap<>();
                for (CompletableFuture<Completion> f : workload.stream().map(engine::submit).toList()) {
                    Completion c = f.get(60, TimeUnit.SECONDS);
                    out.put(c.requestId(), c);
                }
                assertSame(alone, out, "prefix cache pass " + pass);
                if (pass == 1) {
                    assertTrue(out.values().stream().allMatch(c -> c.promptLogprobs() != null || c.cachedTokens() > 0
                            || c.promptTokens() < 17), "second pass should hit the cache");
                }
            }
            assertTrue(engine.stats().prefixCacheHitTokens() > 0);
            assertTrue(engine.stats().prefixCacheHitRate() > 0.3);
        }
    }

    @Test
    void eightBitKvCacheIsReplaySafeToo() throws Exception {
        try (LlamaModel shakespeare = LlamaModel.load(Path.of("../models/shakespeare.gguf"))) {
            List<GenerationRequest> requests = workload(new Random(5), 8, shakespeare.config().vocabSize());
            EngineConfig.Builder q8 = base(shakespeare).kv8bit(true);
            Map<String, Completion> one = run(shakespeare, q8.maxSequences(1).build(), requests, NOW, NO_CHECK);
            long block = shakespeare.kvBytesPerToken(KvType.Q8) * 16;
            Map<String, Completion> mixed = run(shakespeare, q8.maxSequences(8).maxBatchTokens(7)
                    .kvCacheBytes(6 * block).build(), requests, NOW, NO_CHECK);
            assertSame(one, mixed, "8-bit KV");
        }
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
