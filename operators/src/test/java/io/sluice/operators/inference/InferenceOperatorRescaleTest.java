package io.sluice.operators.inference;

import static io.sluice.operators.TestRequests.pending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import io.sluice.schemas.Completion;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests in flight at a checkpoint are redistributed, not copied, when the job is restored with another
 * parallelism (Flink's list state, split among the new subtasks): each is answered by exactly one new
 * subtask, also those a merged subtask must keep in its backlog because of its in-flight bound.
 */
@Timeout(60)
class InferenceOperatorRescaleTest {
    private static final int MAX_PARALLELISM = 128;

    private final String name = UUID.randomUUID().toString();
    private final FakeEngine engine = new FakeEngine("cpu");

    InferenceOperatorRescaleTest() {
        FakeEngineProvider.ENGINES.put(name, engine);
    }

    private OneInputStreamOperatorTestHarness<RequestBatch, Completion> harness(int parallelism, int subtask,
                                                                                int maxInFlight) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new InferenceOperatorFactory(
                new FakeEngineProvider(name, false), new InferenceSettings("fake", maxInFlight, 60_000)),
                MAX_PARALLELISM, parallelism, subtask);
    }

    /** Subtask {@code subtask} of {@code parallelism} with the requests held in the engine, snapshotted. */
    private OperatorSubtaskState inFlight(int parallelism, int subtask, String... ids) throws Exception {
        engine.hold = true;
        var h = harness(parallelism, subtask, 8);
        h.open();
        PendingRequest[] requests = new PendingRequest[ids.length];
        for (int i = 0; i < ids.length; i++) {
            requests[i] = pending(ids[i], 3);
        }
        h.processElement(new StreamRecord<>(new RequestBatch(requests, 0)));
        OperatorSubtaskState snapshot = h.snapshot(1, 0);
        // A stop with savepoint (or a failover) closes the operator without finishing it.
        h.getOperator().close();
        h.close();
        assertEquals(List.of(), h.extractOutputValues());
        return snapshot;
    }

    /** Restores subtask {@code subtask} of {@code parallelism} and returns the ids it answers. */
    private List<String> restore(OperatorSubtaskState state, int oldParallelism, int parallelism, int subtask,
                                 int maxInFlight) throws Exception {
        engine.hold = false;
        OperatorSubtaskState mine = AbstractStreamOperatorTestHarness.repartitionOperatorState(state,
                MAX_PARALLELISM, oldParallelism, parallelism, subtask);
        try (var h = harness(parallelism, subtask, maxInFlight)) {
            h.initializeState(mine);
            h.open();
            // Restored requests run again once a checkpoint has counted their try (the poison-request bound).
            InferenceOperatorTest.countNextTries(h, 2);
            InferenceOperatorTest.runMails(h);
            return h.extractOutputValues().stream().map(Completion::getRequestId).toList();
        }
    }

    @Test
    void scalingUpAnswersEachRequestInFlightOnExactlyOneNewSubtask() throws Exception {
        OperatorSubtaskState state = inFlight(1, 0, "a", "b", "c");
        List<String> first = restore(state, 1, 2, 0, 8);
        List<String> second = restore(state, 1, 2, 1, 8);
        assertFalse(first.isEmpty(), "subtask 0 got none");
        assertFalse(second.isEmpty(), "subtask 1 got none");
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        assertEquals(List.of("a", "b", "c"), all.stream().sorted().toList());
    }

    @Test
    void scalingDownAnswersTheRequestsOfBothSubtasksOnceThroughTheBacklog() throws Exception {
        OperatorSubtaskState state = AbstractStreamOperatorTestHarness.repackageState(
                inFlight(2, 0, "a", "b"), inFlight(2, 1, "c", "d"));
        // Two in flight at a time: two of the four wait in the backlog until the first answers come.
        List<String> answered = restore(state, 2, 1, 0, 2);
        assertEquals(List.of("a", "b", "c", "d"), answered.stream().sorted().toList());
    }
}
