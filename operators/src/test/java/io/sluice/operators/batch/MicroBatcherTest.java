package io.sluice.operators.batch;

import static io.sluice.operators.TestRequests.pending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    private static OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch> harness(BatchLimits limits)
            throws Exception {
        OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch> h =
                new OneInputStreamOperatorTestHarness<>(new MicroBatcher(limits));
        h.setProcessingTime(0);
        return h;
    }

    private static List<String> ids(RequestBatch batch) {
        return Arrays.stream(batch.requests).map(PendingRequest::requestId).toList();
    }

    private static List<List<String>> batches(OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch> h) {
        return h.extractOutputValues().stream().map(MicroBatcherTest::ids).toList();
    }

    @Test
    void emitsWhenTheSizeBoundIsReached() throws Exception {
        try (var h = harness(new BatchLimits(3, 1000, 10_000))) {
            h.open();
            h.processElement(new StreamRecord<>(pending("a", 2)));
            h.processElement(new StreamRecord<>(pending("b", 2)));
            assertEquals(List.of(), batches(h));
            h.processElement(new StreamRecord<>(pending("c", 2)));
            assertEquals(List.of(List.of("a", "b", "c")), batches(h));
            h.processElement(new StreamRecord<>(pending("d", 2)));
            assertEquals(1, batches(h).size(), "d waits for more");
        }
    }

    @Test
    void emitsWhenTheTokenBoundIsReachedAndNeverExceedsIt() throws Exception {
        try (var h = harness(new BatchLimits(100, 10, 10_000))) {
            h.open();
            h.processElement(new StreamRecord<>(pending("a", 4)));
            h.processElement(new StreamRecord<>(pending("b", 4)));
            assertEquals(List.of(), batches(h));
            // 8 + 4 > 10: a and b go out, c starts the next batch.
            h.processElement(new StreamRecord<>(pending("c", 4)));
            assertEquals(List.of(List.of("a", "b")), batches(h));
            // 4 + 6 = 10 reaches the bound exactly.
            h.processElement(new StreamRecord<>(pending("d", 6)));
            assertEquals(List.of(List.of("a", "b"), List.of("c", "d")), batches(h));
            // A single request above the bound is a batch of its own.
            h.processElement(new StreamRecord<>(pending("big", 25)));
            assertEquals(List.of("big"), batches(h).get(2));
            for (RequestBatch b : h.extractOutputValues()) {
                assertTrue(b.promptTokens() <= 10 || b.size() == 1, b.toString());
            }
        }
    }

    @Test
    void emitsWhenTheOldestRequestHasWaitedTheMaximum() throws Exception {
        try (var h = harness(new BatchLimits(100, 1000, 100))) {
            h.open();
            h.processElement(new StreamRecord<>(pending("a", 1)));
            h.setProcessingTime(60);
            h.processElement(new StreamRecord<>(pending("b", 1)));
            h.setProcessingTime(99);
            assertEquals(List.of(), batches(h));
            h.setProcessingTime(100);
            assertEquals(List.of(List.of("a", "b")), batches(h));
            RequestBatch batch = h.extractOutputValues().get(0);
            assertEquals(100, batch.formedAt);
            assertEquals(0, batch.requests[0].bufferedAt);
            assertEquals(60, batch.requests[1].bufferedAt);
            // The next batch's clock starts with its first request.
            h.setProcessingTime(150);
            h.processElement(new StreamRecord<>(pending("c", 1)));
            h.setProcessingTime(249);
            assertEquals(1, batches(h).size());
            h.setProcessingTime(250);
            assertEquals(List.of("c"), batches(h).get(1));
        }
    }

    @Test
    void bufferedRequestsSurviveARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new BatchLimits(10, 1000, 100))) {
            h.open();
            h.processElement(new StreamRecord<>(pending("a", 1)));
            h.setProcessingTime(30);
            h.processElement(new StreamRecord<>(pending("b", 1)));
            snapshot = h.snapshot(1, 30);
            assertEquals(List.of(), batches(h));
        }
        try (var h = new OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch>(
                new MicroBatcher(new BatchLimits(10, 1000, 100)))) {
            h.setProcessingTime(50);
            h.initializeState(snapshot);
            h.open();
            h.processElement(new StreamRecord<>(pending("c", 1)));
            assertEquals(List.of(), batches(h));
            // a was buffered at 0: the restored batcher keeps its age.
            h.setProcessingTime(100);
            assertEquals(List.of(List.of("a", "b", "c")), batches(h));
        }
    }

    @Test
    void restoredRequestsThatWaitedTooLongGoOutAtOnce() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new BatchLimits(10, 1000, 100))) {
            h.open();
            h.processElement(new StreamRecord<>(pending("a", 1)));
            snapshot = h.snapshot(1, 0);
        }
        try (var h = new OneInputStreamOperatorTestHarness<PendingRequest, RequestBatch>(
                new MicroBatcher(new BatchLimits(10, 1000, 100)))) {
            h.setProcessingTime(5_000);
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(5_001);
            assertEquals(List.of(List.of("a")), batches(h));
        }
    }

    @Test
    void endOfInputFlushes() throws Exception {
        try (var h = harness(new BatchLimits(10, 1000, 100_000))) {
            h.open();
            h.processElement(new StreamRecord<>(pending("a", 1)));
            h.endInput();
            assertEquals(List.of(List.of("a")), batches(h));
        }
    }
}
