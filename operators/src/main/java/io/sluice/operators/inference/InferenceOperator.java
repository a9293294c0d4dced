package io.sluice.operators.inference;

import io.sluice.engine.GenerationRequest;
import io.sluice.engine.InferenceEngine;
import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import io.sluice.operators.validate.DeadLetterReason;
import io.sluice.operators.validate.DeadLetters;
import io.sluice.operators.validate.Rejection;
import io.sluice.operators.validate.RequestRules;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.Worker;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands micro-batches to the subtask's engine without blocking the task's mailbox: requests are submitted
 * asynchronously and their results come back as mailbox mails, so checkpoint barriers and timers go on
 * while the engine works. At most {@code maxInFlightRequests} requests are in the engine; a batch that does
 * not fit waits (yielding to the mailbox) and the input stops, which backpressures the source. Requests in
 * flight are checkpointed and re-submitted after a restore; a request without a seed samples with one
 * derived from its id, so the re-run gives the same text. Completions go to the main output, requests the
 * engine refuses or fails to {@link DeadLetters#TAG}.
 */
public final class InferenceOperator extends AbstractStreamOperator<Completion>
        implements OneInputStreamOperator<RequestBatch, Completion>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(InferenceOperator.class);
    private static final long TIMEOUT_SCAN_MS = 1000;

    private final EngineProvider provider;
    private final InferenceSettings settings;

    private final transient MailboxExecutor mailbox;
    private transient ListState<PendingRequest> inFlightState;
    private transient Map<Long, InFlight> inFlight;
    private transient ArrayDeque<PendingRequest> backlog;
    private transient SlotEngine slot;
    private transient InferenceEngine engine;
    private transient Worker worker;
    private transient InferenceMetrics metrics;
    private transient EngineIds ids;
    private transient long sequence;

    /** A request in the engine: what to answer, how to cancel it, and since when (processing time). */
    private record InFlight(PendingRequest request, String engineId, long submittedAt) {
    }

    /** Made by {@link InferenceOperatorFactory}, which gives it the task's mailbox. */
    InferenceOperator(StreamOperatorParameters<Completion> parameters, EngineProvider provider,
                      InferenceSettings settings) {
        super(parameters);
        this.provider = Objects.requireNonNull(provider, "provider");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.mailbox = Objects.requireNonNull(parameters.getMailboxExecutor(), "mailbox executor");
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // A list state (not a union): a restore with another parallelism splits the requests among the new
        // subtasks, so each is re-run by exactly one of them.
        inFlightState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("in-flight-requests", TypeInformation.of(PendingRequest.class)));
        inFlight = new LinkedHashMap<>();
        backlog = new ArrayDeque<>();
        if (context.isRestored()) {
            for (PendingRequest r : inFlightState.get()) {
                backlog.add(r);
            }
            if (!backlog.isEmpty()) {
                LOG.info("re-running {} requests that were in flight at the checkpoint", backlog.size());
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        slot = SlotEngine.open(provider, getRuntimeContext().getExternalResourceInfos(GpuAssignment.RESOURCE_NAME),
                subtask, "inference");
        engine = slot.engine();
        worker = new Worker(hostName(), subtask, engine.device());
        ids = new EngineIds(subtask);
        metrics = new InferenceMetrics(getMetricGroup(), () -> inFlight.size(), () -> backlog.size(), slot.lease(),
                slot.device());
        getProcessingTimeService().scheduleWithFixedDelay(t -> cancelOverdue(), TIMEOUT_SCAN_MS, TIMEOUT_SCAN_MS);
        drainBacklog();
    }

    @Override
    public void processElement(StreamRecord<RequestBatch> element) throws Exception {
        for (PendingRequest r : element.getValue().requests) {
            backlog.add(r);
        }
        drainBacklog();
        while (!backlog.isEmpty()) {
            mailbox.yield();
            drainBacklog();
        }
    }

    private void drainBacklog() {
        while (!backlog.isEmpty() && inFlight.size() < settings.maxInFlightRequests()) {
            submit(backlog.poll());
        }
    }

    private void submit(PendingRequest pending) {
        PromptRequest request = pending.request;
        long now = System.currentTimeMillis();
        if (request.getDeadline() != null && now > request.getDeadline()) {
            deadLetter(pending, new Rejection(DeadLetterReason.DEADLINE_EXCEEDED,
                    "the deadline passed " + (now - request.getDeadline()) + " ms before the request could start"));
            return;
        }
        Optional<Rejection> misfit = RequestRules.checkAgainstModel(request, engine.contextLength(),
                engine.vocabularySize());
        if (misfit.isPresent()) {
            deadLetter(pending, misfit.get());
            return;
        }
        long seq = sequence++;
        String engineId = ids.of(request.getRequestId(), seq);
        GenerationRequest generation;
        try {
            generation = RequestMapping.toEngine(request, engineId);
        } catch (IllegalArgumentException e) {
            deadLetter(pending, new Rejection(DeadLetterReason.INVALID_PARAMETERS, e.getMessage()));
            return;
        }
        inFlight.put(seq, new InFlight(pending, engineId, getProcessingTimeService().getCurrentProcessingTime()));
        CompletableFuture<io.sluice.engine.Completion> future;
        try {
            future = engine.submit(generation);
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((result, failure) -> {
            try {
                mailbox.execute(() -> onResult(seq, result, failure), "sluice result");
            } catch (RejectedExecutionException closed) {
                // The task is shutting down; the request is in the last checkpoint and runs again.
            }
        });
    }

    private void onResult(long seq, io.sluice.engine.Completion result, Throwable failure) {
        InFlight done = inFlight.remove(seq);
        if (done == null) {
            return;
        }
        if (failure != null) {
            Throwable cause = SlotEngine.unwrap(failure);
            String message = cause.getMessage() == null ? cause.getClass().getSimpleName()
                    : cause.getMessage().replace(done.engineId(), done.request().requestId());
            deadLetter(done.request(), new Rejection(DeadLetterReason.of(cause), message));
        } else {
            Completion completion = RequestMapping.toRecord(done.request(), result, settings.modelName(), worker,
                    System.currentTimeMillis());
            metrics.completed(completion);
            output.collect(new StreamRecord<>(completion));
        }
        drainBacklog();
    }

    private void deadLetter(PendingRequest pending, Rejection rejection) {
        LOG.debug("dead letter {} for {}: {}", rejection.reason(), pending.requestId(), rejection.message());
        metrics.deadLetters.inc(rejection.reason());
        output.collect(DeadLetters.TAG, new StreamRecord<>(
                DeadLetters.of(pending.source, pending.request, rejection, System.currentTimeMillis())));
    }

    /** Cancels requests that ran past the timeout; the engine then fails their futures (a dead letter). */
    private void cancelOverdue() {
        long cutoff = getProcessingTimeService().getCurrentProcessingTime() - settings.requestTimeoutMs();
        List<Map.Entry<Long, InFlight>> overdue = new ArrayList<>();
        for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
            if (e.getValue().submittedAt() < cutoff) {
                overdue.add(e);
            }
        }
        for (Map.Entry<Long, InFlight> e : overdue) {
            engine.cancel(e.getValue().engineId());
            // Whether or not the engine still knew it, the request is answered now.
            inFlight.remove(e.getKey());
            deadLetter(e.getValue().request(), new Rejection(DeadLetterReason.ENGINE_FAILURE,
                    "timed out after " + settings.requestTimeoutMs() + " ms in the engine"));
        }
        if (!overdue.isEmpty()) {
            drainBacklog();
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<PendingRequest> pending = new ArrayList<>(inFlight.size() + backlog.size());
        for (InFlight f : inFlight.values()) {
            pending.add(f.request());
        }
        pending.addAll(backlog);
        inFlightState.update(pending);
    }

    @Override
    public void endInput() throws Exception {
        waitUntilIdle();
    }

    @Override
    public void finish() throws Exception {
        waitUntilIdle();
        super.finish();
    }

    private void waitUntilIdle() throws InterruptedException {
        drainBacklog();
        while (!inFlight.isEmpty() || !backlog.isEmpty()) {
            mailbox.yield();
            drainBacklog();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (slot != null) {
                slot.cancelAndClose(inFlight == null ? List.of()
                        : inFlight.values().stream().map(InFlight::engineId).toList());
            }
        } finally {
            if (inFlight != null) {
                inFlight.clear();
            }
            slot = null;
            engine = null;
            super.close();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
