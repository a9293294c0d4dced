package io.sluice.operators.batch;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Groups requests into micro-batches within {@link BatchLimits}. Buffered requests are operator state: a
 * checkpoint holds them and a restored batcher emits them (a restored request that has waited its time
 * already goes out at once). The buffer is a list state that Flink splits among the subtasks when a job is
 * restored with another parallelism, so each buffered request goes to exactly one subtask; a subtask that
 * receives more than one batch's worth (a lower parallelism merges buffers) emits them as batches within the
 * limits. Processing time, from Flink's timer service, so that tests can drive it.
 * Metrics (group {@code sluice}): {@code batchSize}, {@code batchPromptTokens}, {@code batchWaitMs}
 * (oldest request's wait) histograms, {@code batches} counter, {@code bufferedRequests} gauge.
 */
public final class MicroBatcher extends AbstractStreamOperator<RequestBatch>
        implements OneInputStreamOperator<PendingRequest, RequestBatch>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final BatchLimits limits;

    private transient List<PendingRequest> buffer;
    private transient int bufferedTokens;
    private transient ListState<PendingRequest> bufferState;
    private transient ScheduledFuture<?> timer;
    private transient Histogram batchSize;
    private transient Histogram batchTokens;
    private transient Histogram batchWait;
    private transient Counter batches;

    public MicroBatcher(BatchLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        bufferState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("micro-batch-buffer", TypeInformation.of(PendingRequest.class)));
        buffer = new ArrayList<>();
        bufferedTokens = 0;
        if (context.isRestored()) {
            for (PendingRequest r : bufferState.get()) {
                buffer.add(r);
                bufferedTokens += r.promptTokens;
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        MetricGroup group = getMetricGroup().addGroup("sluice");
        batchSize = group.histogram("batchSize", new DescriptiveStatisticsHistogram(1024));
        batchTokens = group.histogram("batchPromptTokens", new DescriptiveStatisticsHistogram(1024));
        batchWait = group.histogram("batchWaitMs", new DescriptiveStatisticsHistogram(1024));
        batches = group.counter("batches");
        group.gauge("bufferedRequests", () -> buffer == null ? 0 : buffer.size());
        if (isFull()) {
            // Restored buffers of several subtasks: the full batches go out with the first timer.
            timer = getProcessingTimeService().registerTimer(now(), this::onTimer);
        } else if (!buffer.isEmpty()) {
            scheduleFlush();
        }
    }

    @Override
    public void processElement(StreamRecord<PendingRequest> element) {
        PendingRequest request = element.getValue();
        if (!buffer.isEmpty() && bufferedTokens + request.promptTokens > limits.maxPromptTokens()) {
            flush();
        }
        request.bufferedAt = now();
        buffer.add(request);
        bufferedTokens += request.promptTokens;
        if (isFull() || limits.maxWaitMs() == 0) {
            flush();
        } else if (buffer.size() == 1) {
            scheduleFlush();
        }
    }

    private boolean isFull() {
        return buffer.size() >= limits.maxRequests() || bufferedTokens >= limits.maxPromptTokens();
    }

    private void scheduleFlush() {
        long due = buffer.get(0).bufferedAt + limits.maxWaitMs();
        timer = getProcessingTimeService().registerTimer(due, this::onTimer);
    }

    private void onTimer(long time) {
        timer = null;
        while (isFull()) {
            emit(takeBatch());
        }
        if (buffer.isEmpty()) {
            return;
        }
        if (buffer.get(0).bufferedAt + limits.maxWaitMs() <= time) {
            flush();
        } else {
            scheduleFlush();
        }
    }

    /** Emits everything buffered: one batch, or several within the limits after a merging restore. */
    private void flush() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        while (!buffer.isEmpty()) {
            emit(takeBatch());
        }
    }

    /** Takes the longest prefix of the buffer that is within the limits (at least one request). */
    private List<PendingRequest> takeBatch() {
        int count = 0;
        int tokens = 0;
        while (count < buffer.size() && count < limits.maxRequests()) {
            int next = buffer.get(count).promptTokens;
            if (count > 0 && tokens + next > limits.maxPromptTokens()) {
                break;
            }
            tokens += next;
            count++;
        }
        List<PendingRequest> head = buffer.subList(0, count);
        List<PendingRequest> taken = new ArrayList<>(head);
        head.clear();
        bufferedTokens -= tokens;
        return taken;
    }

    private void emit(List<PendingRequest> requests) {
        long now = now();
        int tokens = 0;
        for (PendingRequest r : requests) {
            r.batchedAt = now;
            tokens += r.promptTokens;
        }
        RequestBatch batch = new RequestBatch(requests.toArray(PendingRequest[]::new), now);
        batchSize.update(batch.size());
        batchTokens.update(tokens);
        batchWait.update(Math.max(0, now - requests.get(0).bufferedAt));
        batches.inc();
        output.collect(new StreamRecord<>(batch));
    }

    private long now() {
        return getProcessingTimeService().getCurrentProcessingTime();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        bufferState.update(buffer);
    }

    @Override
    public void endInput() {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }
}
