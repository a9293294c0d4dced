package io.sluice.operators.inference;

import static io.sluice.operators.TestRequests.pending;
import static io.sluice.operators.inference.InferenceOperatorTest.awaitWaiting;
import static io.sluice.operators.inference.InferenceOperatorTest.countNextTries;
import static io.sluice.operators.inference.InferenceOperatorTest.runMails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.GenerationRequest;
import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import io.sluice.operators.validate.DeadLetters;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request that makes the engine fail every time is dead-lettered with ENGINE_FAILURE after
 * {@code limits.max-attempts} tries (3 here), whether the engine throws an {@link Error} on it (the task fails,
 * after a checkpoint counted the try) or the task dies with it in the engine without the operator seeing why.
 */
@Timeout(60)
class PoisonRequestTest {
    private final String name = UUID.randomUUID().toString();

    private FakeEngine engine() {
        FakeEngine engine = new FakeEngine("cpu");
        FakeEngineProvider.ENGINES.put(name, engine);
        return engine;
    }

    private OneInputStreamOperatorTestHarness<RequestBatch, Completion> harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new InferenceOperatorFactory(
                new FakeEngineProvider(name, false), new InferenceSettings("fake", 8, 60_000, 3, true)));
    }

    private static StreamRecord<RequestBatch> batch(PendingRequest... requests) {
        return new StreamRecord<>(new RequestBatch(requests, 0));
    }

    private static void runMailsUntil(OneInputStreamOperatorTestHarness<?, ?> h, BooleanSupplier done)
            throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            Optional<Mail> mail = h.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
            if (mail.isPresent()) {
                mail.get().run();
            } else if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            } else {
                Thread.sleep(1);
            }
        }
    }

    private static boolean crashed(OneInputStreamOperatorTestHarness<?, ?> h) {
        return ((InferenceOperator) h.getOperator()).crashed();
    }

    /** The task failed: Flink closes the operator without finishing it. */
    private static void failed(OneInputStreamOperatorTestHarness<?, ?> h) throws Exception {
        h.getOperator().close();
        try {
            h.close();
        } catch (Exception finishingAClosedOperator) {
            // the harness finishes the operator after closing it, which a failed task never does
        }
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> h) {
        return h.getSideOutput(DeadLetters.TAG) == null ? List.of()
                : h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).toList();
    }

    private static long tries(FakeEngine engine, String requestId) {
        return engine.submitted.stream().map(GenerationRequest::id).filter(id -> id.startsWith(requestId + "#"))
                .count();
    }

    @Test
    void anEngineErrorFailsTheTaskAfterACheckpointCountedTheTryAndTheThirdTryIsADeadLetter() throws Exception {
        FakeEngine engine = engine();
        Error crash = new AssertionError("engine crashed");
        engine.crash = r -> r.id().startsWith("poison#") ? crash : null;
        List<String> completed = new ArrayList<>();

        // Try 1: the error stops submissions but not the input; the task fails once checkpoint 1 completes.
        OperatorSubtaskState state;
        {
            var h = harness();
            h.open();
            h.processElement(batch(pending("poison", 2), pending("a", 2)));
            runMailsUntil(h, () -> h.extractOutputValues().size() == 1 && crashed(h));
            h.processElement(batch(pending("b", 2))); // returns: a barrier must be able to pass
            assertEquals(0, tries(engine, "b"), "nothing is submitted after the crash");
            state = h.snapshot(1, 0);
            h.notifyOfCompletedCheckpoint(1);
            Exception failed = assertThrows(Exception.class, () -> runMailsUntil(h, () -> false));
            assertSame(crash, failed.getCause());
            h.extractOutputValues().forEach(c -> completed.add(c.getRequestId()));
            failed(h);
        }
        // Tries 2 and 3, each from the checkpoint that counted the one before.
        for (int attempt = 2; attempt <= 3; attempt++) {
            var h = harness();
            {
                h.initializeState(state);
                h.open();
                countNextTries(h, 10L * attempt);
                int tryNumber = attempt;
                runMailsUntil(h, () -> tries(engine, "poison") == tryNumber);
                if (attempt == 2) {
                    runMailsUntil(h, () -> h.extractOutputValues().size() == 1 && crashed(h));
                    state = h.snapshot(10L * attempt + 1, 0);
                    h.notifyOfCompletedCheckpoint(21);
                    assertThrows(IllegalStateException.class, () -> runMailsUntil(h, () -> false));
                    h.extractOutputValues().forEach(c -> completed.add(c.getRequestId()));
                    failed(h);
                } else {
                    runMails(h);
                    assertEquals(List.of("poison"), deadLetters(h).stream().map(DeadLetter::getRequestId).toList());
                    DeadLetter dead = deadLetters(h).get(0);
                    assertEquals("ENGINE_FAILURE", dead.getErrorCode());
                    assertTrue(dead.getErrorMessage().contains("all 3 tries"), dead.getErrorMessage());
                    assertTrue(dead.getErrorMessage().contains("engine crashed"), dead.getErrorMessage());
                    h.snapshot(40, 0);
                    h.notifyOfCompletedCheckpoint(40); // the job runs on
                    h.extractOutputValues().forEach(c -> completed.add(c.getRequestId()));
                    h.close();
                }
            }
        }
        assertEquals(3, tries(engine, "poison"));
        assertEquals(List.of("a", "b"), completed.stream().sorted().toList(), "every other request exactly once");
    }

    @Test
    void aCrashJustBeforeTheEndOfTheInputIsTriedAgainInPlace() throws Exception {
        FakeEngine engine = engine();
        engine.crash = r -> r.id().startsWith("poison#") ? new AssertionError("engine crashed") : null;
        try (var h = harness()) {
            h.open();
            h.processElement(batch(pending("poison", 2), pending("a", 2)));
            runMailsUntil(h, () -> h.extractOutputValues().size() == 1 && crashed(h));
            // No checkpoint comes after the end of the input: a restart would replay the crash forever.
            h.endInput();
            assertEquals(3, tries(engine, "poison"));
            assertEquals(List.of("ENGINE_FAILURE"), deadLetters(h).stream().map(DeadLetter::getErrorCode).toList());
            assertEquals(List.of("a"), h.extractOutputValues().stream().map(Completion::getRequestId).toList());
        }
    }

    @Test
    void aRequestInFlightWhenTheTaskDiesIsCountedBeforeEachNewTryAndItsLastTryRunsAlone() throws Exception {
        FakeEngine engine = engine();
        engine.hold = true;
        OperatorSubtaskState state;
        // The task dies (whatever killed it, the operator never heard) with "poison" in the engine.
        var h1 = harness();
        h1.open();
        h1.processElement(batch(pending("poison", 2)));
        awaitWaiting(engine, 1);
        state = h1.snapshot(1, 0);
        h1.getOperator().close();
        h1.close();

        // Restored twice more, dying again each time the poison request is in the engine.
        for (int attempt = 2; attempt <= 3; attempt++) {
            var h = harness();
            h.initializeState(state);
            h.open();
            if (attempt == 3) {
                h.processElement(batch(pending("other", 2)));
                awaitWaiting(engine, 1);
            }
            assertEquals(attempt - 1, tries(engine, "poison"), "not tried again before a checkpoint counts it");
            // Restoring from a checkpoint taken before the next one completes must not lose the count.
            state = h.snapshot(10L * attempt, 0);
            h.notifyOfCompletedCheckpoint(10L * attempt);
            if (attempt == 3) {
                // The last try runs alone: not while "other" is in the engine.
                Thread.sleep(50);
                assertEquals(2, tries(engine, "poison"));
                engine.releaseAll();
                runMailsUntil(h, () -> h.extractOutputValues().size() == 1);
            }
            runMailsUntil(h, () -> engine.waitingCount() == 1);
            assertEquals(attempt, tries(engine, "poison"));
            if (attempt == 3) {
                state = h.snapshot(31, 0);
            }
            h.getOperator().close();
            h.close();
        }

        engine.hold = false;
        try (var h = harness()) {
            h.initializeState(state);
            h.open();
            runMails(h);
            assertEquals(3, tries(engine, "poison"));
            assertEquals(List.of("ENGINE_FAILURE"), deadLetters(h).stream().map(DeadLetter::getErrorCode).toList());
            assertTrue(deadLetters(h).get(0).getErrorMessage().contains("3 times"), deadLetters(h).get(0)
                    .getErrorMessage());
            assertFalse(h.extractOutputValues().stream().anyMatch(c -> c.getRequestId().equals("poison")));
        }
    }
}
