package io.sluice.engine;

import static io.sluice.engine.ReplaySafetyTest.assertSame;
import static io.sluice.engine.ReplaySafetyTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.SpeculationConfig.SpecMode;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Speculative decoding in exact mode never changes a completion: tokens, finish reasons and logprobs are
 * bit-identical with and without it, for greedy and seeded sampling, with either drafter, alone and in mixed
 * batches with staggered joins, preemption and prefix-cache hits. Rejection mode is deterministic for a seed.
 */
class SpeculationTest {

    static final Path SHAKESPEARE = Path.of("../models/shakespeare.gguf");
    static final Path SHAKESPEARE_DRAFT = Path.of("../models/shakespeare-draft.gguf");

    private static LlamaModel stories;
    private static LlamaModel target;
    private static LlamaModel draft;
    private static List<GenerationRequest> storiesWork;
    private static Map<String, Completion> storiesPlain;
    private static List<GenerationRequest> shakespeareWork;
    private static Map<String, Completion> shakespearePlain;

    private static final Consumer<Integer> NOW = i -> { };

    @BeforeAll
    static void reference() throws Exception {
        // every check below needs drafts, whatever this machine's step timings make the cost model decide
        System.setProperty(Speculation.POLICY_PROPERTY, "always");
        stories = LlamaModel.load(LlamaEngineTest.STORIES);
        target = LlamaModel.load(SHAKESPEARE);
        draft = LlamaModel.load(SHAKESPEARE_DRAFT);
        storiesWork = ReplaySafetyTest.workload(new Random(2024), 14, stories.config().vocabSize());
        storiesPlain = run(stories, base(stories).maxSequences(1).prefixCaching(false).build(), storiesWork, NOW,
                e -> { });
        shakespeareWork = ReplaySafetyTest.workload(new Random(11), 10, target.config().vocabSize());
        shakespearePlain = run(target, base(target).maxSequences(1).prefixCaching(false).build(), shakespeareWork,
                NOW, e -> { });
    }

    @AfterAll
    static void close() {
        System.clearProperty(Speculation.POLICY_PROPERTY);
        stories.close();
        target.close();
        draft.close();
    }

    static EngineConfig.Builder base(LlamaModel model) {
        return EngineConfig.builder(model.path()).kvCacheBytes(32L << 20);
    }

    static SpeculationConfig lookup(SpecMode mode) {
        return new SpeculationConfig(null, true, 4, mode);
    }

    static SpeculationConfig withDraft(SpecMode mode) {
        return new SpeculationConfig(SHAKESPEARE_DRAFT, false, 4, mode);
    }

    /** Runs the requests on an engine with the shakespeare draft model; checks the engine after. */
    static Map<String, Completion> runDrafted(EngineConfig config, List<GenerationRequest> requests,
                                              Consumer<Integer> beforeSubmit, Consumer<LlamaEngine> check)
            throws Exception {
        return ReplaySafetyTest.run(() -> new LlamaEngine(target, draft, config, false), requests, beforeSubmit,
                check);
    }

    private static void speculated(LlamaEngine e) {
        EngineStats s = e.stats();
        assertTrue(s.draftedTokens() > 0, "nothing was drafted");
        assertTrue(s.acceptedTokens() > 0, "nothing was accepted");
        assertTrue(s.tokensPerStep() > 1.0, "tokens per step " + s.tokensPerStep());
    }

    @Test
    void promptLookupAloneIsBitIdentical() throws Exception {
        assertSame(storiesPlain, run(stories, base(stories).maxSequences(1).speculation(lookup(SpecMode.EXACT))
                .build(), storiesWork, NOW, SpeculationTest::speculated), "prompt lookup alone");
    }

    @Test
    void promptLookupInMixedBatchesWithStaggeredJoinsIsBitIdentical() throws Exception {
        assertSame(storiesPlain, run(stories, base(stories).maxSequences(6).maxBatchTokens(24)
                .speculation(lookup(SpecMode.EXACT)).build(), storiesWork, i -> sleep(i % 3 * 3),
                SpeculationTest::speculated), "prompt lookup staggered");
    }

    @Test
    void promptLookupUnderPreemptionAndPrefixCacheIsBitIdentical() throws Exception {
        long block = stories.kvBytesPerToken(EngineConfig.DEFAULT_KV_TYPE) * 16;
        EngineConfig tiny = base(stories).maxSequences(8).kvCacheBytes(7 * block)
                .speculation(lookup(SpecMode.EXACT)).build();
        assertSame(storiesPlain, run(stories, tiny, storiesWork, NOW, e -> {
            assertTrue(e.stats().preemptions() > 0, "no preemption happened");
            speculated(e);
        }), "prompt lookup preempted");
    }

    @Test
    void aModelDraftingForItselfIsAcceptedThroughout() throws Exception {
        // the target as its own draft: every greedy draft is accepted, which exercises the bonus token path
        List<GenerationRequest> greedy = storiesWork.stream().filter(r -> r.sampling().isGreedy()).toList();
        Map<String, Completion> expected = new HashMap<>();
        greedy.forEach(r -> expected.put(r.id(), storiesPlain.get(r.id())));
        try (LlamaModel self = LlamaModel.load(LlamaEngineTest.STORIES)) {
            Map<String, Completion> out = new HashMap<>();
            EngineConfig config = base(stories).maxSequences(4).speculation(
                    new SpeculationConfig(LlamaEngineTest.STORIES, false, 4, SpecMode.EXACT)).build();
            try (LlamaEngine engine = new LlamaEngine(stories, self, config, false)) {
                for (CompletableFuture<Completion> f : greedy.stream().map(engine::submit).toList()) {
                    Completion c = f.get(60, TimeUnit.SECONDS);
                    out.put(c.requestId(), c);
                }
                EngineStats s = engine.stats();
                assertEquals(1.0, s.acceptanceRate(), 1e-9);
                assertTrue(s.draftedTokens() > 0);
                assertEquals(0, engine.draftBlocksUsed());
            }
            assertSame(expected, out, "self-drafted");
        }
    }

    @Test
    void draftModelAloneIsBitIdentical() throws Exception {
        assertSame(shakespearePlain, runDrafted(base(target).maxSequences(1).speculation(withDraft(SpecMode.EXACT))
                .build(), shakespeareWork, NOW, SpeculationTest::speculated), "draft model alone");
    }

    @Test
    void draftModelInMixedBatchesWithStaggeredJoinsAndSmallChunksIsBitIdentical() throws Exception {
        assertSame(shakespearePlain, runDrafted(base(target).maxSequences(5).maxBatchTokens(9)
                .speculation(withDraft(SpecMode.EXACT)).build(), shakespeareWork, i -> sleep(i % 3 * 4),
                SpeculationTest::speculated), "draft model staggered");
    }

    @Test
    void draftModelUnderPreemptionIsBitIdentical() throws Exception {
        long block = (target.kvBytesPerToken(EngineConfig.DEFAULT_KV_TYPE)
                + draft.kvBytesPerToken(EngineConfig.DEFAULT_KV_TYPE)) * 16;
        EngineConfig tiny = base(target).maxSequences(8).kvCacheBytes(8 * block)
                .speculation(withDraft(SpecMode.EXACT)).build();
        assertSame(shakespearePlain, runDrafted(tiny, shakespeareWork, NOW, e -> {
            assertTrue(e.stats().preemptions() > 0, "no preemption happened");
            speculated(e);
            assertEquals(0, e.draftBlocksUsed());
        }), "draft model preempted");
    }

    @Test
    void draftModelWithPrefixCacheHitsIsBitIdentical() throws Exception {
        try (LlamaEngine engine = new LlamaEngine(target, draft, base(target).maxSequences(4)
                .speculation(withDraft(SpecMode.EXACT)).build(), false)) {
            for (int pass = 0; pass < 2; pass++) {
                Map<String, Completion> out = new HashMap<>();
                for (CompletableFuture<Completion> f : shakespeareWork.stream().map(engine::submit).toList()) {
                    Completion c = f.get(60, TimeUnit.SECONDS);
                    out.put(c.requestId(), c);
                }
                assertSame(shakespearePlain, out, "prefix cache pass " + pass);
            }
            assertTrue(engine.stats().prefixCacheHitTokens() > 0);
            speculated(engine);
        }
    }

    @Test
    void rejectionModeIsDeterministicForASeedAndGreedyStaysExact() throws Exception {
        EngineConfig config = base(target).maxSequences(4).speculation(withDraft(SpecMode.REJECTION)).build();
        Map<String, Completion> a = runDrafted(config, shakespeareWork, NOW, SpeculationTest::speculated);
        Map<String, Completion> b = runDrafted(config.toBuilder().maxSequences(1).build(), shakespeareWork, NOW,
                e -> { });
        assertSame(a, b, "rejection mode, batched and alone");
        for (GenerationRequest r : shakespeareWork) {
            if (r.sampling().isGreedy()) {
                assertSame(Map.of(r.id(), shakespearePlain.get(r.id())), Map.of(r.id(), a.get(r.id())),
                        "greedy in rejection mode");
            }
        }
    }

    @Test
    void aRequestMayTurnSpeculationOff() throws Exception {
        List<GenerationRequest> off = storiesWork.stream().map(r -> new GenerationRequest(r.id(), r.promptIds(),
                r.prompt(), r.messages(), r.sampling(), r.maxTokens(), r.stopTokenIds(), r.stopStrings(),
                r.ignoreEos(), r.priority(), r.logprobs(), r.promptLogprobs(), false)).toList();
        assertSame(storiesPlain, run(stories, base(stories).maxSequences(4).speculation(lookup(SpecMode.EXACT))
                .build(), off, NOW, e -> assertEquals(0, e.stats().draftedTokens())), "speculate=false");
    }

    @Test
    void aRequestFinishingInItsPromptStepStillSharesItsPrefix() throws Exception {
        int[] prompt = new Random(8).ints(40, 3, stories.config().vocabSize()).toArray();
        for (SpeculationConfig spec : new SpeculationConfig[] {SpeculationConfig.OFF, lookup(SpecMode.EXACT)}) {
            try (LlamaEngine engine = new LlamaEngine(stories, base(stories).speculation(spec).build(), false)) {
                engine.submit(GenerationRequest.builder("first").promptIds(prompt).maxTokens(1).build())
                        .get(60, TimeUnit.SECONDS);
                Completion second = engine.submit(GenerationRequest.builder("second").promptIds(prompt).maxTokens(1)
                        .build()).get(60, TimeUnit.SECONDS);
                assertEquals(32, second.cachedTokens(), "speculation " + spec.enabled());
            }
        }
    }

    @Test
    void thePrefixCacheHoldsOnlyAcceptedTokens() throws Exception {
        // A block registered while it held rejected drafts would be filed under the drafts and never under
        // the tokens the sequence kept: a request repeating the whole kept text would miss it.
        Random random = new Random(21);
        try (LlamaEngine engine = new LlamaEngine(stories, base(stories).maxSequences(4)
                .speculation(lookup(SpecMode.EXACT)).build(), false)) {
            for (int i = 0; i < 6; i++) {
                int[] prompt = random.ints(20, 3, stories.config().vocabSize()).toArray();
                prompt[0] = 1;
                Completion a = engine.submit(GenerationRequest.builder("a" + i).promptIds(prompt).maxTokens(80)
                        .ignoreEos(true).build()).get(60, TimeUnit.SECONDS);
                int[] kept = java.util.stream.IntStream.concat(java.util.Arrays.stream(prompt),
                        java.util.Arrays.stream(a.tokenIds())).toArray();
                Completion b = engine.submit(GenerationRequest.builder("b" + i).promptIds(kept).maxTokens(1)
                        .build()).get(60, TimeUnit.SECONDS);
                int registered = (kept.length - 2 - SpeculationConfig.DEFAULT_MAX_DRAFT_TOKENS) / 16 * 16;
                assertTrue(b.cachedTokens() >= registered, "request " + i + ": " + b.cachedTokens()
                        + " cached tokens of " + kept.length);
            }
            assertTrue(engine.stats().draftedTokens() > engine.stats().acceptedTokens(), "nothing was rejected");
        }
    }

    @Test
    void rollbackLeaksNoBlocksOverAThousandRequests() throws Exception {
        Random random = new Random(3);
        List<GenerationRequest> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int[] prompt = random.ints(2 + random.nextInt(12), 3, stories.config().vocabSize()).toArray();
            prompt[0] = 1;
            many.add(GenerationRequest.builder("m" + i).promptIds(prompt).maxTokens(1 + random.nextInt(10))
                    .sampling(i % 2 == 0 ? SamplingParams.GREEDY : SamplingParams.builder().seed(i).build())
                    .build());
        }
        long block = stories.kvBytesPerToken(EngineConfig.DEFAULT_KV_TYPE) * 16;
        EngineConfig config = base(stories).maxSequences(16).kvCacheBytes(24 * block)
                .speculation(lookup(SpecMode.EXACT)).build();
        run(stories, config, many, NOW, e -> {
            speculated(e);
            assertTrue(e.stats().draftedTokens() > e.stats().acceptedTokens(), "no draft was ever rejected");
            assertEquals(0, e.stats().kvBlocksUsed(), "blocks still referenced after every request finished");
        });
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
