package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.Sampler;
import io.sluice.sampling.SamplingParams;
import io.sluice.sampling.StopStrings;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A forward pass that fails because of one request (a hostile prompt) fails that request alone: the engine
 * isolates it by running the step's sequences again in smaller groups, and the others go on with exactly the
 * tokens, text and logprobs they produce without it. A failure of every request still fails them all, in a
 * bounded number of passes.
 */
class StepFailureIsolationTest {

    /** The poison: this token at this position makes the model's pass throw, whatever else the batch holds. */
    private static final int TRIGGER = 333;
    private static final int TRIGGER_POSITION = 17;

    private static LlamaModel model;
    private static int[] golden;

    @BeforeAll
    static void load() throws IOException {
        model = LlamaModel.load(LlamaEngineTest.STORIES);
        golden = Arrays.stream(Files.readString(LlamaEngineTest.MODELS.resolve("stories260K.greedy-bos.txt")).trim()
                .split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The model, except that a pass with the trigger row throws {@link #failure}; counts passes. */
    private static final class PoisonedModel implements ForwardPass {
        final AtomicInteger passes = new AtomicInteger();
        final AtomicInteger failedPasses = new AtomicInteger();
        /** A failing pass also held rows of other sequences (the poison was batched with them). */
        final AtomicBoolean failedWithOthers = new AtomicBoolean();
        volatile java.util.function.Supplier<? extends Throwable> failure =
                () -> new IllegalStateException("poisoned row at position " + TRIGGER_POSITION);
        /** Every pass fails while set (the whole model broken). */
        volatile boolean broken;
        /** The poisoned pass runs the model (writing every row's K/V) before it throws, as a late failure would. */
        volatile boolean writesBeforeFailing;

        @Override
        public float[] run(ForwardBatch batch, KvCacheStorage kv, float[] reuse) {
            passes.incrementAndGet();
            int poisonRow = -1;
            for (int r = 0; r < batch.size(); r++) {
                if (batch.token(r) == TRIGGER && batch.position(r) == TRIGGER_POSITION) {
                    poisonRow = r;
                }
            }
            if (broken) {
                failedPasses.incrementAndGet();
                throw new IllegalStateException("the model is broken");
            }
            if (poisonRow >= 0) {
                if (writesBeforeFailing) {
                    model.forward(batch, kv);
                }
                failedPasses.incrementAndGet();
                for (int r = 0; r < batch.size(); r++) {
                    if (batch.blockTable(r) != batch.blockTable(poisonRow)) {
                        failedWithOthers.set(true); // rows of one sequence share its block table
                    }
                }
                Throwable t = failure.get();
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }
            return model.forward(batch, kv, reuse);
        }
    }

    private static int[] prefix() {
        int[] p = new int[16]; // one full KV block: the prefix cache shares it
        p[0] = 1;
        System.arraycopy(golden, 0, p, 1, 15);
        return p;
    }

    private static int[] with(int[] prompt, int... more) {
        int[] p = Arrays.copyOf(prompt, prompt.length + more.length);
        System.arraycopy(more, 0, p, prompt.length, more.length);
        return p;
    }

    /** Requests of several kinds: greedy and sampled (with penalties), logprobs, prompt logprobs, a shared prefix. */
    private static List<GenerationRequest> innocents() {
        SamplingParams sampled = SamplingParams.builder().temperature(1.3f).topK(0).topP(1f).repeatPenalty(1.3f)
                .presencePenalty(0.5f).frequencyPenalty(1.0f).seed(7).build();
        return List.of(
                GenerationRequest.builder("greedy").promptIds(1).maxTokens(40).logprobs(3).build(),
                GenerationRequest.builder("sampled").promptIds(1, 300).maxTokens(40).logprobs(2).sampling(sampled)
                        .build(),
                GenerationRequest.builder("prefix").promptIds(with(prefix(), golden[15])).maxTokens(30).logprobs(1)
                        .build(),
                GenerationRequest.builder("scored").promptIds(1, golden[0], golden[1], 300, 301).maxTokens(12)
                        .promptLogprobs(2).build());
    }

    /** Shares the innocents' prefix block, then the trigger at its position. */
    private static GenerationRequest poison() {
        return GenerationRequest.builder("poison").promptIds(with(prefix(), 444, TRIGGER)).maxTokens(10).build();
    }

    /** Arrives after the poison failed and shares its prefix block. */
    private static GenerationRequest late() {
        return GenerationRequest.builder("late").promptIds(with(prefix(), 300)).maxTokens(20).logprobs(2).build();
    }

    /** An F32 cache: some tests end by comparing with the reference ids, which come from exact keys and values. */
    private static EngineConfig config() {
        return LlamaEngineTest.config().kvType(KvType.F32).build();
    }

    /** Completions of the innocents (and the late request), run without the poison. */
    private static Map<String, Completion> baseline() throws Exception {
        Map<String, Completion> out = new LinkedHashMap<>();
        try (LlamaEngine engine = new LlamaEngine(model, config(), new PoisonedModel())) {
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (GenerationRequest r : innocents()) {
                fs.add(engine.submit(r));
            }
            for (CompletableFuture<Completion> f : fs) {
                Completion c = LlamaEngineTest.get(f);
                out.put(c.requestId(), c);
            }
            out.put("late", LlamaEngineTest.get(engine.submit(late())));
        }
        return out;
    }

    private static void assertSameOutput(Completion expected, Completion actual) {
        String id = expected.requestId();
        assertArrayEquals(expected.tokenIds(), actual.tokenIds(), id);
        assertEquals(expected.text(), actual.text(), id);
        assertEquals(expected.finishReason(), actual.finishReason(), id);
        assertEquals(expected.logprobs(), actual.logprobs(), id); // records of floats: equal bits
        assertEquals(expected.promptLogprobs(), actual.promptLogprobs(), id);
    }

    /** How the poison meets the others. */
    private enum Scenario {
        /** Submitted with them (last). */
        TOGETHER,
        /** Arrives while they decode; its pass writes every row's K/V before it throws. */
        MID_DECODE,
        /** As {@link #MID_DECODE}, with speculative decoding (prompt lookup, exact mode, drafting every step). */
        MID_DECODE_SPECULATING
    }

    @Test
    void aPoisonRequestFailsAloneAndTheOthersCompleteAsWithoutIt() throws Exception {
        Map<String, Completion> expected = baseline();
        for (Scenario scenario : Scenario.values()) {
            boolean midDecode = scenario != Scenario.TOGETHER;
            PoisonedModel poisoned = new PoisonedModel();
            poisoned.writesBeforeFailing = midDecode;
            EngineConfig config = scenario != Scenario.MID_DECODE_SPECULATING ? config()
                    : LlamaEngineTest.config().kvType(KvType.F32).speculation(
                            new SpeculationConfig(null, true, 4, SpeculationConfig.SpecMode.EXACT)).build();
            System.setProperty(Speculation.POLICY_PROPERTY, "always");
            try (LlamaEngine engine = new LlamaEngine(model, config, poisoned)) {
                CompletableFuture<CompletableFuture<Completion>> poison = new CompletableFuture<>();
                AtomicInteger greedyTokens = new AtomicInteger();
                List<CompletableFuture<Completion>> fs = new ArrayList<>();
                for (GenerationRequest r : innocents()) {
                    // mid-decode: the poison arrives while the others decode (submitted on the engine's thread)
                    fs.add(engine.submit(r, !midDecode || !r.id().equals("greedy") ? TokenListener.NONE
                            : (token, text) -> {
                                if (greedyTokens.incrementAndGet() == 3) {
                                    poison.complete(engine.submit(poison()));
                                }
                            }));
                }
                if (!midDecode) {
                    poison.complete(engine.submit(poison()));
                }
                EngineException e = LlamaEngineTest.failure(poison.get());
                assertEquals(EngineException.Code.INTERNAL, e.code());
                assertInstanceOf(IllegalStateException.class, e.getCause());
                assertEquals("poisoned row at position 17", e.getCause().getMessage());
                assertEquals("engine step failed: java.lang.IllegalStateException: poisoned row at position 17",
                        e.getMessage());
                for (CompletableFuture<Completion> f : fs) {
                    Completion c = LlamaEngineTest.get(f);
                    assertSameOutput(expected.get(c.requestId()), c);
                }
                // shares the prefix block the poison acquired and wrote after
                assertSameOutput(expected.get("late"), LlamaEngineTest.get(engine.submit(late())));
                if (midDecode) {
                    assertTrue(poisoned.failedWithOthers.get(), "the poison never shared a pass with others");
                }
                // isolated once, never retried: the step's failure plus at most the bisection's budget
                int n = innocents().size() + 1;
                assertTrue(poisoned.failedPasses.get() <= 1 + FailureIsolation.maxFailingPasses(n),
                        "failed passes: " + poisoned.failedPasses.get());
                LlamaEngineTest.waitUntil(() -> engine.stats().kvBlocksUsed() == 0
                        && engine.stats().runningSequences() == 0);
                if (scenario == Scenario.MID_DECODE_SPECULATING) {
                    assertTrue(engine.stats().draftedTokens() > 0, "nothing drafted");
                    assertEquals(0, engine.draftBlocksUsed());
                }
            } catch (AssertionError | Exception e) {
                throw new AssertionError(scenario + ": " + e.getMessage(), e);
            } finally {
                System.clearProperty(Speculation.POLICY_PROPERTY);
            }
        }
    }

    @Test
    void aFailureOfEveryRequestFailsThemAllInBoundedPasses() throws Exception {
        PoisonedModel poisoned = new PoisonedModel();
        try (LlamaEngine engine = new LlamaEngine(model, config(), poisoned)) {
            List<CompletableFuture<Completion>> fs = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger passesBefore = new AtomicInteger(-1);
            AtomicInteger failedBefore = new AtomicInteger();
            // after the first token of "g0", five more arrive and the model breaks: the next step holds all six
            fs.add(engine.submit(GenerationRequest.builder("g0").promptIds(1).maxTokens(40).build(), (token, text) -> {
                if (passesBefore.get() < 0) {
                    for (int i = 1; i < 6; i++) {
                        fs.add(engine.submit(GenerationRequest.builder("g" + i).promptIds(1, 300 + i).maxTokens(20)
                                .build()));
                    }
                    failedBefore.set(poisoned.failedPasses.get());
                    passesBefore.set(poisoned.passes.get());
                    poisoned.broken = true;
                }
            }));
            LlamaEngineTest.failure(fs.get(0));
            List<CompletableFuture<Completion>> all = List.copyOf(fs);
            assertEquals(6, all.size());
            for (CompletableFuture<Completion> f : all) {
                EngineException e = LlamaEngineTest.failure(f);
                assertEquals(EngineException.Code.INTERNAL, e.code());
                assertEquals("the model is broken", e.getCause().getMessage());
            }
            int passes = poisoned.passes.get() - passesBefore.get();
            assertTrue(passes <= 1 + FailureIsolation.maxFailingPasses(6), "passes after the model broke: " + passes);
            assertEquals(passes, poisoned.failedPasses.get() - failedBefore.get());
            // the engine goes on once the model works again
            poisoned.broken = false;
            assertArrayEquals(golden, LlamaEngineTest.get(engine.submit(
                    GenerationRequest.builder("again").promptIds(1).maxTokens(64).build())).tokenIds());
            LlamaEngineTest.waitUntil(() -> engine.stats().kvBlocksUsed() == 0);
        }
    }

    @Test
    void aModelClosedUnderTheEngineFailsEverySequenceInBoundedPasses() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        AtomicInteger passesBefore = new AtomicInteger(-1);
        List<CompletableFuture<Completion>> fs = java.util.Collections.synchronizedList(new ArrayList<>());
        try (LlamaModel own = LlamaModel.load(LlamaEngineTest.STORIES);
                LlamaEngine engine = new LlamaEngine(own, config(), (ForwardPass) (batch, kv, reuse) -> {
                    passes.incrementAndGet();
                    return own.forward(batch, kv);
                })) {
            fs.add(engine.submit(GenerationRequest.builder("g0").promptIds(1).maxTokens(40).build(), (token, text) -> {
                if (passesBefore.get() < 0) {
                    for (int i = 1; i < 6; i++) {
                        fs.add(engine.submit(GenerationRequest.builder("g" + i).promptIds(1, 300 + i).maxTokens(20)
                                .build()));
                    }
                    passesBefore.set(passes.get());
                    own.close(); // between passes, on the engine's thread
                }
            }));
            LlamaEngineTest.failure(fs.get(0));
            List<CompletableFuture<Completion>> all = List.copyOf(fs);
            assertEquals(6, all.size());
            for (CompletableFuture<Completion> f : all) {
                EngineException e = LlamaEngineTest.failure(f);
                assertEquals(EngineException.Code.INTERNAL, e.code());
                assertEquals("model stories260K.gguf is closed", e.getCause().getMessage());
            }
            int after = passes.get() - passesBefore.get();
            assertTrue(after <= 1 + FailureIsolation.maxFailingPasses(6), "passes after the close: " + after);
        }
    }

    @Test
    void anErrorFailsEverySequenceAtOnceWithoutRetries() throws Exception {
        PoisonedModel poisoned = new PoisonedModel();
        poisoned.failure = () -> new OutOfMemoryError("simulated");
        try (LlamaEngine engine = new LlamaEngine(model, config(), poisoned)) {
            AtomicReference<CompletableFuture<Completion>> poison = new AtomicReference<>();
            CompletableFuture<Completion> greedy = engine.submit(
                    GenerationRequest.builder("greedy").promptIds(1).maxTokens(40).build(), (token, text) -> {
                        if (poison.get() == null) {
                            poison.set(engine.submit(poison()));
                        }
                    });
            EngineException e = LlamaEngineTest.failure(greedy);
            assertEquals(EngineException.Code.INTERNAL, e.code());
            assertInstanceOf(OutOfMemoryError.class, e.getCause());
            assertSame(EngineException.Code.INTERNAL, LlamaEngineTest.failure(poison.get()).code());
            assertEquals(1, poisoned.failedPasses.get(), "an Error is not bisected");
            LlamaEngineTest.waitUntil(() -> engine.stats().kvBlocksUsed() == 0);
        }
    }

    @Test
    void aPassThatFailsOnceFailsNoRequest() throws Exception {
        Map<String, Completion> expected = baseline();
        AtomicBoolean failedOnce = new AtomicBoolean();
        ForwardPass flaky = (batch, kv, reuse) -> {
            boolean several = false;
            for (int r = 1; r < batch.size(); r++) {
                several |= batch.blockTable(r) != batch.blockTable(0);
            }
            if (several && failedOnce.compareAndSet(false, true)) {
                throw new IllegalStateException("transient");
            }
            return model.forward(batch, kv);
        };
        try (LlamaEngine engine = new LlamaEngine(model, config(), flaky)) {
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (GenerationRequest r : innocents()) {
                fs.add(engine.submit(r));
            }
            for (CompletableFuture<Completion> f : fs) {
                Completion c = LlamaEngineTest.get(f);
                assertSameOutput(expected.get(c.requestId()), c);
            }
            assertTrue(failedOnce.get(), "no pass held several sequences");
        }
    }

    @Test
    void aFailureWhileApplyingOneSequencesLogitsFailsThatSequenceAlone() throws Exception {
        KvCacheStorage kv = model.newKvStorage(64, 16, KvType.F32);
        try {
            Scheduler scheduler = new Scheduler(model, kv, config(), new EngineCounters(), null);
            Sequence good = sequence(1, "good", TextStream.none());
            // a decoder edge case on the third generated token
            AtomicInteger decoded = new AtomicInteger();
            Sequence bad = sequence(2, "bad", new TextStream(ids -> {
                if (decoded.incrementAndGet() == 3) {
                    throw new IllegalArgumentException("undecodable");
                }
                return "";
            }, new StopStrings(List.of())));
            scheduler.add(good);
            scheduler.add(bad);
            int steps = 0;
            while (scheduler.hasWork()) {
                scheduler.step();
                scheduler.completeFinished();
                steps++;
            }
            assertArrayEquals(golden, LlamaEngineTest.get(good.future).tokenIds());
            EngineException e = LlamaEngineTest.failure(bad.future);
            assertEquals(EngineException.Code.INTERNAL, e.code());
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertEquals(64, steps, "one step per token of the good sequence");
            assertEquals(0, scheduler.allocator().usedBlocks());
        } finally {
            kv.close();
        }
    }

    private static Sequence sequence(long serial, String id, TextStream text) {
        GenerationRequest r = GenerationRequest.builder(id).promptIds(1).maxTokens(64).build();
        int vocab = model.config().vocabSize();
        return new Sequence(serial, r, new int[] {1}, TokenListener.NONE,
                new Sampler(r.sampling(), vocab, model.config().contextLength()), r.stopConditions(), text, 16,
                System.nanoTime());
    }
}
