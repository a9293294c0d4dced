package io.sluice.operators.batch;

import static io.sluice.operators.TestRequests.pending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The buffer is redistributed, not copied, when a job is restored with another parallelism (Flink's list
 * state, split among the new subtasks): every buffered request is emitted by exactly one new subtask, and a
 * subtask that gets the buffers of several still emits batches within the limits.
 */
class MicroBatcherRescaleTest {
    private static final int MAX_PARALLELISM = 128;
    private static final BatchLimits LIMITS = new BatchLimits(3, 1000, 100);

    private static OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch> harness(int parallelism,
                                                                                          int subtask) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch>(new MicroBatcher(LIMITS),
                MAX_PARALLELISM, parallelism, subtask);
        h.setProcessingTime(0);
        return h;
    }

    /** Buffers the requests (fewer than a batch) on one subtask of {@code parallelism} and snapshots it. */
    private static OperatorSubtaskState buffered(int parallelism, int subtask, String... ids) throws Exception {
        try (var h = harness(parallelism, subtask)) {
            h.open();
            for (String id : ids) {
                h.processElement(new StreamRecord<>(pending(id, 2)));
            }
            assertEquals(List.of(), h.extractOutputValues(), "nothing emitted before the snapshot");
            return h.snapshot(1, 0);
        }
    }

    /** Restores subtask {@code subtask} of {@code parallelism} and returns the batches it emits. */
    private static List<List<String>> restoreAndFlush(OperatorSubtaskState state, int oldParallelism,
                                                      int parallelism, int subtask) throws Exception {
        OperatorSubtaskState mine = AbstractStreamOperatorTestHarness.repartitionOperatorState(state,
                MAX_PARALLELISM, oldParallelism, parallelism, subtask);
        try (var h = harness(parallelism, subtask)) {
            h.initializeState(mine);
            h.open();
            h.setProcessingTime(1000);
            List<List<String>> batches = new ArrayList<>();
            for (RequestBatch b : h.extractOutputValues()) {
                assertTrue(b.size() <= LIMITS.maxRequests(), "batch over the limit: " + b);
                batches.add(Arrays.stream(b.requests).map(PendingRequest::requestId).toList());
            }
            return batches;
        }
    }

    private static List<String> sorted(List<List<String>> batches) {
        return batches.stream().flatMap(List::stream).sorted().toList();
    }

    @Test
    void scalingUpSplitsTheBufferAmongTheNewSubtasks() throws Exception {
        OperatorSubtaskState state = buffered(1, 0, "a", "b");
        List<List<String>> first = restoreAndFlush(state, 1, 2, 0);
        List<List<String>> second = restoreAndFlush(state, 1, 2, 1);
        assertFalse(first.isEmpty(), "subtask 0 got none");
        assertFalse(second.isEmpty(), "subtask 1 got none");
        List<List<String>> all = new ArrayList<>(first);
        all.addAll(second);
        assertEquals(List.of("a", "b"), sorted(all), "each request exactly once");
    }

    @Test
    void scalingDownMergesTheBuffersIntoBatchesWithinTheLimits() throws Exception {
        OperatorSubtaskState state = AbstractStreamOperatorTestHarness.repackageState(
                buffered(2, 0, "a", "b"), buffered(2, 1, "c", "d"));
        List<List<String>> batches = restoreAndFlush(state, 2, 1, 0);
        assertEquals(List.of("a", "b", "c", "d"), sorted(batches), "each request exactly once");
        assertEquals(List.of(3, 1), batches.stream().map(List::size).toList());
    }

    @Test
    void aMergedBufferThatFillsABatchGoesOutWithoutWaiting() throws Exception {
        OperatorSubtaskState state = AbstractStreamOperatorTestHarness.repackageState(
                buffered(2, 0, "a", "b"), buffered(2, 1, "c", "d"));
        OperatorSubtaskState mine = AbstractStreamOperatorTestHarness.repartitionOperatorState(state,
                MAX_PARALLELISM, 2, 1, 0);
        try (var h = new OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch>(new MicroBatcher(
                new BatchLimits(3, 1000, 10_000)), MAX_PARALLELISM, 1, 0)) {
            h.setProcessingTime(50);
            h.initializeState(mine);
            h.open();
            // The timer set at the restore fires at the current time: one full batch; the fourth request
            // waits for its own time (buffered at 0, so until 10,000).
            h.setProcessingTime(50);
            assertEquals(1, h.extractOutputValues().size());
            assertEquals(3, h.extractOutputValues().get(0).size());
            h.setProcessingTime(9_999);
            assertEquals(1, h.extractOutputValues().size());
            h.setProcessingTime(10_000);
            assertEquals(2, h.extractOutputValues().size());
        }
    }
}
