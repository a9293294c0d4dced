package io.sluice.operators.inference;

import static io.sluice.operators.TestRequests.pending;
import static io.sluice.operators.TestRequests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.EngineException;
import io.sluice.engine.GenerationRequest;
import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import io.sluice.operators.validate.DeadLetters;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class InferenceOperatorTest {

    private final String name = UUID.randomUUID().toString();

    private FakeEngine engine(String device) {
        FakeEngine engine = new FakeEngine(device);
        FakeEngineProvider.ENGINES.put(name, engine);
        return engine;
    }

    private OneInputStreamOperatorTestHarness<RequestBatch, Completion> harness(int maxInFlight, long timeoutMs)
            throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new InferenceOperatorFactory(
                new FakeEngineProvider(name, false), new InferenceSettings("fake", maxInFlight, timeoutMs)));
    }

    private static StreamRecord<RequestBatch> batch(PendingRequest... requests) {
        return new StreamRecord<>(new RequestBatch(requests, 0));
    }

    /**
     * Runs the mails that engine results post to the task's mailbox (from the submitter's workers) until the
     * operator has nothing in the engine or waiting for it.
     */
    static void runMails(OneInputStreamOperatorTestHarness<?, ?> h) throws Exception {
        InferenceOperator operator = (InferenceOperator) h.getOperator();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Optional<Mail> mail = h.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
            if (mail.isPresent()) {
                mail.get().run();
            } else if (operator.idle()) {
                return;
            } else if (System.nanoTime() > deadline) {
                throw new AssertionError("the operator still has requests in flight after 30 s");
            } else {
                Thread.sleep(1);
            }
        }
    }

    /** Takes and completes a checkpoint: requests restored in flight run only once one has counted their try. */
    static void countNextTries(OneInputStreamOperatorTestHarness<?, ?> h, long checkpointId) throws Exception {
        h.snapshot(checkpointId, 0);
        h.notifyOfCompletedCheckpoint(checkpointId);
    }

    /** Waits until the engine holds {@code n} requests (the submitter's workers hand them over). */
    static void awaitWaiting(FakeEngine engine, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (engine.waitingCount() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the engine holds " + engine.waitingCount() + " requests, not " + n);
            }
            Thread.sleep(1);
        }
    }

    private static Map<String, String> texts(Collection<Completion> completions) {
        return completions.stream().collect(Collectors.toMap(Completion::getRequestId, Completion::getText,
                (a, b) -> { throw new AssertionError("duplicate completion"); }, TreeMap::new));
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> h) {
        return h.getSideOutput(DeadLetters.TAG) == null ? List.of()
                : h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void completesEveryRequestWithItsIdAndAttributes() throws Exception {
        engine("cpu");
        try (var h = harness(8, 60_000)) {
            h.open();
            PendingRequest a = pending("a", 3);
            a.bufferedAt = 10;
            a.batchedAt = 25;
            h.processElement(batch(a, pending("b", 5), pending("c", 2)));
            runMails(h);
            List<Completion> out = h.extractOutputValues();
            assertEquals(List.of("a", "b", "c"), out.stream().map(Completion::getRequestId).sorted().toList());
            for (Completion c : out) {
                assertEquals(Map.of("id", c.getRequestId()), c.getAttributes());
                assertEquals("fake", c.getModel());
                assertEquals("cpu", c.getWorker().getDevice());
                assertEquals("length", c.getFinishReason());
                assertEquals(4, c.getUsage().getCompletionTokens());
                assertEquals(4, c.getTokenIds().size());
            }
            assertEquals(15.0, out.stream().filter(c -> c.getRequestId().equals("a")).findFirst().orElseThrow()
                    .getTimings().getBatchWaitMs());
            assertEquals(List.of(), deadLetters(h));
        }
    }

    @Test
    void requestsWithoutSeedSampleWithOneDerivedFromTheirId() throws Exception {
        FakeEngine engine = engine("cpu");
        try (var h = harness(8, 60_000)) {
            h.open();
            PromptRequest seeded = request("seeded", 2);
            seeded.getSampling().setSeed(5L);
            h.processElement(batch(pending("unseeded", 2), pending(seeded)));
            runMails(h);
        }
        Map<String, Long> seeds = engine.submitted.stream().collect(Collectors.toMap(
                r -> r.id().substring(0, r.id().indexOf('#')), r -> r.sampling().seed()));
        assertEquals(Seeds.fromRequestId("unseeded"), seeds.get("unseeded"));
        assertEquals(5L, seeds.get("seeded"));
        assertTrue(Seeds.fromRequestId("unseeded") != Seeds.fromRequestId("unseeded2"));
    }

    @Test
    void atMostMaxInFlightRequestsAreInTheEngine() throws Exception {
        FakeEngine engine = engine("cpu");
        engine.hold = true;
        AtomicInteger maxWaiting = new AtomicInteger();
        try (var h = harness(2, 60_000)) {
            h.open();
            // Releases the engine's requests one round at a time while the operator waits for room.
            Thread releaser = new Thread(() -> {
                try {
                    for (int round = 0; round < 3; round++) {
                        while (engine.waitingCount() < 2) {
                            Thread.sleep(5);
                        }
                        maxWaiting.accumulateAndGet(engine.waitingCount(), Math::max);
                        Thread.sleep(20);
                        engine.releaseAll();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            releaser.start();
            h.processElement(batch(pending("a", 1), pending("b", 1), pending("c", 1), pending("d", 1),
                    pending("e", 1), pending("f", 1)));
            // processElement returned: all six were submitted, the last two are still in the engine.
            releaser.join(10_000);
            assertEquals(6, engine.submitted.size());
            assertEquals(2, maxWaiting.get());
            runMails(h);
            assertEquals(6, h.extractOutputValues().size());
        }
    }

    @Test
    void requestsInFlightAtACheckpointRunAgainAfterRestore() throws Exception {
        // Reference: the texts of a run without failure.
        engine("cpu");
        Map<String, String> expected;
        try (var h = harness(8, 60_000)) {
            h.open();
            h.processElement(batch(pending("a", 3), pending("b", 4)));
            runMails(h);
            expected = texts(h.extractOutputValues());
        }

        FakeEngine first = engine("cpu");
        first.hold = true;
        OperatorSubtaskState snapshot;
        var h1 = harness(8, 60_000);
        h1.open();
        h1.processElement(batch(pending("a", 3), pending("b", 4)));
        snapshot = h1.snapshot(1, 0);
        awaitWaiting(first, 2);
        // A failover closes the operator without finishing it.
        h1.getOperator().close();
        assertEquals(2, first.cancelled.size(), "closing cancels what is in the engine");
        h1.close();
        assertEquals(List.of(), h1.extractOutputValues());

        FakeEngine second = engine("cpu");
        try (var h2 = harness(8, 60_000)) {
            h2.initializeState(snapshot);
            h2.open();
            countNextTries(h2, 2);
            runMails(h2);
            assertEquals(2, second.submitted.size());
            assertEquals(expected, texts(h2.extractOutputValues()));
        }
    }

    @Test
    void aRestoredOperatorOnTheSameSharedEngineUsesEngineIdsTheFailedOneNeverUsed() throws Exception {
        // Slots of a TaskManager share one engine, which outlives a task failover; the failed incarnation's
        // cancellations may still be pending there, and they are by id: a re-run under the same id would be
        // cancelled with them (a dead letter instead of its completion).
        FakeEngine shared = engine("cpu");
        shared.hold = true;
        var h1 = harness(8, 60_000);
        h1.open();
        h1.processElement(batch(pending("a", 3), pending("b", 4)));
        OperatorSubtaskState snapshot = h1.snapshot(1, 0);
        awaitWaiting(shared, 2);
        h1.getOperator().close();
        h1.close();
        Set<String> cancelled = Set.copyOf(shared.cancelled);
        assertEquals(2, cancelled.size());

        shared.hold = false;
        try (var h2 = harness(8, 60_000)) {
            h2.initializeState(snapshot);
            h2.open();
            countNextTries(h2, 2);
            runMails(h2);
            assertEquals(List.of("a", "b"), h2.extractOutputValues().stream().map(Completion::getRequestId)
                    .sorted().toList());
        }
        List<String> ids = shared.submitted.stream().map(GenerationRequest::id).toList();
        assertEquals(4, ids.size());
        assertEquals(4, Set.copyOf(ids).size(), "engine ids reused: " + ids);
    }

    @Test
    void refusedAndFailedRequestsBecomeDeadLettersWithTheirReason() throws Exception {
        FakeEngine engine = engine("cpu");
        engine.failure = r -> r.id().startsWith("too-long#") ? new EngineException(EngineException.Code.PROMPT_TOO_LONG,
                "prompt of 70 tokens") : r.id().startsWith("boom#") ? new IllegalStateException("kernel crashed") : null;
        PromptRequest outOfVocabulary = request("oov", 2);
        outOfVocabulary.setPromptIds(List.of(1, 5000));
        PromptRequest overContext = request("over-context", 64);
        PromptRequest hugeMaxTokens = request("huge-max-tokens", 2);
        hugeMaxTokens.getSampling().setMaxTokens(64);
        PromptRequest late = request("late", 2);
        late.setDeadline(System.currentTimeMillis() - 1000);
        try (var h = harness(8, 60_000)) {
            h.open();
            h.processElement(batch(pending("ok", 2), pending("too-long", 2), pending("boom", 2),
                    pending(outOfVocabulary), pending(overContext), pending(hugeMaxTokens), pending(late)));
            runMails(h);
            assertEquals(List.of("ok"), h.extractOutputValues().stream().map(Completion::getRequestId).toList());
            Map<String, String> reasons = deadLetters(h).stream()
                    .collect(Collectors.toMap(DeadLetter::getRequestId, DeadLetter::getErrorCode));
            assertEquals(Map.of(
                    "too-long", "PROMPT_TOO_LONG",
                    "boom", "ENGINE_FAILURE",
                    "oov", "TOKEN_OUT_OF_VOCABULARY",
                    "over-context", "PROMPT_TOO_LONG",
                    "huge-max-tokens", "INVALID_PARAMETERS",
                    "late", "DEADLINE_EXCEEDED"), reasons);
            DeadLetter boom = deadLetters(h).stream().filter(d -> d.getRequestId().equals("boom")).findFirst()
                    .orElseThrow();
            // An engine failure that is not about the request is tried again, up to limits.max-attempts.
            assertEquals("the engine failed on all 3 tries (limits.max-attempts); the last: kernel crashed",
                    boom.getErrorMessage());
            assertEquals("prompts", boom.getTopic());
            assertEquals(7, boom.getOffset());
            assertTrue(boom.getOriginal().remaining() > 10, "the original bytes are kept");
        }
        // Requests the model cannot take never reach the engine.
        assertEquals(Map.of("ok", 1L, "too-long", 1L, "boom", 3L), engine.submitted.stream()
                .collect(Collectors.groupingBy(r -> r.id().substring(0, r.id().indexOf('#')), Collectors.counting())));
    }

    @Test
    void requestsOverTheTimeoutAreCancelledAndDeadLettered() throws Exception {
        FakeEngine engine = engine("cpu");
        engine.hold = true;
        try (var h = harness(8, 5_000)) {
            h.setProcessingTime(0);
            h.open();
            h.processElement(batch(pending("slow", 2)));
            // The submitter's worker hands the request over on its own thread: wait for it, or the timeout can
            // race the hand-over and cancel twice (once here, once in the worker that sees the flag; both harmless).
            awaitWaiting(engine, 1);
            h.setProcessingTime(3_000);
            assertEquals(List.of(), deadLetters(h));
            h.setProcessingTime(6_000);
            runMails(h);
            assertEquals(List.of("ENGINE_FAILURE"), deadLetters(h).stream().map(DeadLetter::getErrorCode).toList());
            assertTrue(deadLetters(h).get(0).getErrorMessage().contains("timed out"));
            assertEquals(1, engine.cancelled.size());
            assertEquals(List.of(), h.extractOutputValues());
        }
    }

    @Test
    void eachSubtaskOpensItsEngineOnAGpuOrFallsBackToTheCpu() throws Exception {
        Set<ExternalResourceInfo> gpus = Set.of(gpu("0"), gpu("1"));
        // With a GPU backend: subtask 1 of 2 takes GPU 1.
        engine("cuda:1 Fake GPU");
        try (var h = harnessOnSubtask(1, gpus, true)) {
            h.open();
            h.processElement(batch(pending("a", 2)));
            runMails(h);
            assertEquals("cuda:1 Fake GPU", h.extractOutputValues().get(0).getWorker().getDevice());
        }
        assertEquals(List.of(Device.gpu(1)), FakeEngineProvider.ACQUIRED.get(name));
        // Without one: the engine is opened on the CPU.
        FakeEngineProvider.ACQUIRED.remove(name);
        engine("cpu");
        try (var h = harnessOnSubtask(0, gpus, false)) {
            h.open();
            h.processElement(batch(pending("a", 2)));
            runMails(h);
            assertEquals("cpu", h.extractOutputValues().get(0).getWorker().getDevice());
        }
        assertEquals(List.of(Device.gpu(0), Device.CPU), FakeEngineProvider.ACQUIRED.get(name));
    }

    private OneInputStreamOperatorTestHarness<RequestBatch, Completion> harnessOnSubtask(
            int subtask, Set<ExternalResourceInfo> gpus, boolean gpuBackend) throws Exception {
        MockEnvironment env = new MockEnvironmentBuilder().setParallelism(2).setMaxParallelism(128)
                .setSubtaskIndex(subtask).setExternalResourceInfoProvider(name -> name.equals("gpu") ? gpus : Set.of())
                .build();
        return new OneInputStreamOperatorTestHarness<>(new InferenceOperatorFactory(
                new FakeEngineProvider(name, gpuBackend), new InferenceSettings("fake", 8, 60_000)), env);
    }

    static ExternalResourceInfo gpu(String index) {
        return new ExternalResourceInfo() {
            @Override
            public Optional<String> getProperty(String key) {
                return key.equals("index") ? Optional.of(index) : Optional.empty();
            }

            @Override
            public Collection<String> getKeys() {
                return new ArrayList<>(List.of("index"));
            }
        };
    }
}
