package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvType;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.TokenLogprob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LlamaEngineTest {

    static final Path MODELS = Path.of("src/test/resources/models");
    static final Path STORIES = MODELS.resolve("stories260K.gguf");
    private static LlamaModel model;
    private static int[] golden;

    @BeforeAll
    static void load() throws IOException {
        model = LlamaModel.load(STORIES);
        golden = Arrays.stream(Files.readString(MODELS.resolve("stories260K.greedy-bos.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static EngineConfig.Builder config() {
        return EngineConfig.builder(STORIES).kvCacheBytes(64L << 20);
    }

    static Completion get(CompletableFuture<Completion> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    static EngineException failure(CompletableFuture<Completion> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
        return assertInstanceOf(EngineException.class, e.getCause());
    }

    @Test
    void greedyDecodingMatchesTheReferenceImplementations() throws Exception {
        // the reference ids come from exact keys and values: an F32 cache (the default F16 rounds them)
        try (LlamaEngine engine = new LlamaEngine(model, config().kvType(KvType.F32).build(), false)) {
            List<Integer> streamed = Collections.synchronizedList(new ArrayList<>());
            Completion c = get(engine.submit(GenerationRequest.builder("bos").promptIds(1).maxTokens(64).build(),
                    (id, text) -> streamed.add(id)));
            assertArrayEquals(golden, c.tokenIds());
            assertEquals(FinishReason.LENGTH, c.finishReason());
            assertEquals(1, c.promptTokens());
            assertEquals(64, c.completionTokens());
            assertEquals(Arrays.stream(golden).boxed().toList(), streamed);
            assertTrue(c.timings().timeToFirstTokenMs() > 0);
            assertTrue(c.timings().totalMs() >= c.timings().timeToFirstTokenMs());
            assertTrue(c.timings().timePerOutputTokenMs() > 0);
            assertNull(c.logprobs());
            assertNull(c.promptLogprobs());
            EngineStats stats = engine.stats();
            assertEquals(64, stats.generatedTokens());
            assertEquals(1, stats.completedRequests());
        }
    }

    @Test
    void stopTokenEndsGenerationAndIsNotOutput() throws Exception {
        try (LlamaEngine engine = new LlamaEngine(model, config().build(), false)) {
            Completion c = get(engine.submit(GenerationRequest.builder("s").promptIds(1).maxTokens(64)
                    .stopTokenIds(Set.of(golden[5])).build()));
            assertEquals(FinishReason.STOP, c.finishReason());
            int firstStop = 0;
            while (golden[firstStop] != golden[5]) {
                firstStop++;
            }
            assertArrayEquals(Arrays.copyOf(golden, firstStop), c.tokenIds());
        }
    }

    @Test
    void logprobsOfGeneratedTokensAndPromptPositions() throws Exception {
        try (LlamaEngine engine = new LlamaEngine(model, config().build(), false)) {
            int[] prompt = new int[10];
            prompt[0] = 1;
            System.arraycopy(golden, 0, prompt, 1, 9);
            Completion c = get(engine.submit(GenerationRequest.builder("lp").promptIds(prompt).maxTokens(5)
                    .logprobs(3).promptLogprobs(2).build()));
            assertEquals(5, c.logprobs().size());
            for (int i = 0; i < 5; i++) {
                List<TokenLogprob> top = c.logprobs().get(i);
                assertEquals(3, top.size());
                assertEquals(c.tokenIds()[i], top.get(0).tokenId()); // greedy takes the best
                assertTrue(top.get(0).logprob() >= top.get(1).logprob());
                assertTrue(top.get(0).logprob() <= 0);
            }
            assertEquals(10, c.promptLogprobs().size());
            assertNull(c.promptLogprobs().get(0));
            for (int i = 1; i < 10; i++) {
                assertEquals(2, c.promptLogprobs().get(i).size());
            }
            // the prompt is the model's own greedy continuation of BOS
            for (int i = 1; i < 10; i++) {
                assertEquals(prompt[i], c.promptLogprobs().get(i).get(0).tokenId(), "position " + i);
            }
        }
    }

    @Test
    void maxTokensZeroOnlyScoresThePrompt() throws Exception {
        try (LlamaEngine engine = new LlamaEngine(model, config().build(), false)) {
            Completion c = get(engine.submit(GenerationRequest.builder("z").promptIds(1, 300, 301).maxTokens(0)
                    .promptLogprobs(1).build()));
            assertEquals(0, c.tokenIds().length);
            assertEquals(FinishReason.LENGTH, c.finishReason());
            assertEquals(3, c.promptLogprobs().size());
        }
    }

    @Test
    void invalidRequestsFailAtOnceWithTheirCode() throws Exception {
        EngineConfig small = config().kvCacheBytes(model.kvBytesPerToken(EngineConfig.DEFAULT_KV_TYPE) * 16 * 4).build(); // 4 blocks
        try (LlamaEngine engine = new LlamaEngine(model, small, false)) {
            assertEquals(EngineException.Code.TOKEN_OUT_OF_VOCABULARY,
                    failure(engine.submit(GenerationRequest.builder("v").promptIds(1, 512).build())).code());
            assertEquals(EngineException.Code.TOKEN_OUT_OF_VOCABULARY,
                    failure(engine.submit(GenerationRequest.builder("n").promptIds(-1).build())).code());
            assertEquals(EngineException.Code.PROMPT_TOO_LONG,
                    failure(engine.submit(GenerationRequest.builder("l").promptIds(new int[400]).maxTokens(200)
                            .build())).code());
            assertEquals(EngineException.Code.DOES_NOT_FIT,
                    failure(engine.submit(GenerationRequest.builder("f").promptIds(new int[60]).maxTokens(10)
                            .build())).code());
            assertEquals(EngineException.Code.INVALID_REQUEST,
                    failure(engine.submit(GenerationRequest.builder("e").promptIds().build())).code());
            // a request that fits still runs
            assertEquals(5, get(engine.submit(GenerationRequest.builder("ok").promptIds(1).maxTokens(5).build()))
                    .completionTokens());
        }
    }

    @Test
    void cancelFailsTheRequestAndFreesItsBlocks() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (LlamaEngine engine = new LlamaEngine(model, config().build(), false)) {
            CompletableFuture<Completion> f = engine.submit(
                    GenerationRequest.builder("c").promptIds(1).maxTokens(100).build(), (id, t) -> {
                        started.countDown();
                        awaitQuietly(release);
                    });
            assertTrue(started.await(30, TimeUnit.SECONDS), () -> "not started: " + f);
            assertTrue(engine.cancel("c"));
            release.countDown();
            assertEquals(EngineException.Code.CANCELLED, failure(f).code());
            assertFalse(engine.cancel("c"));
            assertFalse(engine.cancel("unknown"));
            waitUntil(() -> engine.stats().kvBlocksUsed() == 0 && engine.stats().runningSequences() == 0);
        }
    }

    @Test
    void aCancelRacingItsSubmitIsNeverLost() throws Exception {
        try (LlamaEngine engine = new LlamaEngine(model, config().build(), false)) {
            List<String> lost = new ArrayList<>();
            for (int i = 0; i < 150 && lost.isEmpty(); i++) {
                String id = "race" + i;
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
                Thread canceller = new Thread(() -> {
                    while (!done.get() && !cancelled.get()) {
                        cancelled.set(engine.cancel(id));
                        Thread.onSpinWait();
                    }
                });
                canceller.start();
                CompletableFuture<Completion> f = engine.submit(
                        GenerationRequest.builder(id).promptIds(1).maxTokens(100).build());
                try {
                    f.get(30, TimeUnit.SECONDS);
                    done.set(true);
                    canceller.join();
                    if (cancelled.get()) {
                        lost.add(id); // cancel() said true, yet the request ran to its end
                    }
                } catch (ExecutionException e) {
                    done.set(true);
                    canceller.join();
                    assertEquals(EngineException.Code.CANCELLED, ((EngineException) e.getCause()).code());
                }
            }
            assertEquals(List.of(), lost);
        }
    }

    @Test
    void higherPriorityWaitingRequestsRunFirst() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        try (LlamaEngine engine = new LlamaEngine(model, config().maxSequences(1).build(), false)) {
            // the first request holds the engine thread until everything else is queued
            CompletableFuture<Completion> first = engine.submit(
                    GenerationRequest.builder("first").promptIds(1).maxTokens(3).build(), (id, t) -> awaitQuietly(release));
            List<CompletableFuture<Completion>> all = new ArrayList<>();
            all.add(first);
            for (String id : List.of("low1", "low2", "high", "low3")) {
                GenerationRequest r = GenerationRequest.builder(id).promptIds(1, 300).maxTokens(2)
                        .priority(id.equals("high") ? 5 : 0).build();
                CompletableFuture<Completion> f = engine.submit(r);
                f.thenAccept(c -> order.add(c.requestId()));
                all.add(f);
            }
            release.countDown();
            for (CompletableFuture<Completion> f : all) {
                get(f);
            }
            assertEquals(List.of("high", "low1", "low2", "low3"), order);
        }
    }

    @Test
    void closeDrainsSubmittedRequestsThenRefusesNewOnes() throws Exception {
        LlamaEngine engine = new LlamaEngine(model, config().maxSequences(2).build(), false);
        List<CompletableFuture<Completion>> fs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            fs.add(engine.submit(GenerationRequest.builder("d" + i).promptIds(1, 300 + i).maxTokens(20).build()));
        }
        engine.close();
        for (CompletableFuture<Completion> f : fs) {
            assertTrue(f.isDone());
            assertEquals(20, f.get().completionTokens());
        }
        assertEquals(EngineException.Code.ENGINE_CLOSED,
                failure(engine.submit(GenerationRequest.builder("late").promptIds(1).build())).code());
    }

    @Test
    void statsReportBlocksAndThroughput() throws Exception {
        try (LlamaEngine engine = new LlamaEngine(model, config().build(), false)) {
            EngineStats before = engine.stats();
            assertEquals(0, before.kvBlocksUsed());
            assertEquals(before.kvBlocksTotal(), before.kvBlocksFree());
            assertEquals(16, before.kvBlockSize());
            get(engine.submit(GenerationRequest.builder("a").promptIds(1).maxTokens(40).build()));
            waitUntil(() -> engine.stats().completedRequests() == 1);
            EngineStats after = engine.stats();
            assertEquals(3 * after.kvBytesPerBlock(), after.kvBytesPeak()); // 41 positions -> 3 blocks
            assertTrue(after.tokensPerSecond() > 0);
            assertTrue(after.steps() >= 40);
            assertNotNull(after.toString());
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in time");
            Thread.sleep(5);
        }
    }
}
