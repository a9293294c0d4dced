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
import io.sluice.engine.EngineException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 *
 * <p>The engine's {@code submit} (which tokenizes the prompt and renders its chat template) runs on
 * {@link EngineSubmitter}'s workers, never on the mailbox thread, so a huge prompt delays neither checkpoints
 * nor the requests behind it.
 *
 * <p>A request that makes the engine fail again and again is dead-lettered with ENGINE_FAILURE after
 * {@code maxAttempts} tries, never retried forever. Each try is counted in {@link PendingRequest#attempts}
 * before it starts. A failure the engine reports for the request alone (an {@link EngineException} with a code
 * about the request) is a dead letter at once. An internal engine failure (a crashed step fails every request
 * in it) is retried in place. An {@link Error} from the engine means the engine may be broken: the operator stops
 * submitting, lets the next checkpoint record the try, then fails the task, and Flink restarts it with a fresh
 * engine. Requests restored in flight (the task died with them in the engine, whatever killed it) first wait for
 * a checkpoint that counts their next try, so that even a request that kills the TaskManager runs out of tries.
 * A request's last try runs alone in the subtask, so that the requests that shared a crashing batch with it are
 * not dead-lettered for its sake.
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
    /** Restored requests that were in the engine before: their next try is counted by a checkpoint first. */
    private transient ArrayDeque<PendingRequest> awaitingCheckpoint;
    /** The checkpoint that counted the next try of each of {@link #awaitingCheckpoint} (by identity). */
    private transient Map<PendingRequest, Long> countedIn;
    /** Requests whose next try a completed checkpoint counted already (by identity). */
    private transient Set<PendingRequest> counted;
    /** Restored requests out of tries, dead-lettered once the output is open. */
    private transient List<PendingRequest> exhausted;
    /** The sequence number of the request on its last try, running alone; -1 when none. */
    private transient long aloneSeq;
    /** An error the engine threw: the task fails once a checkpoint has recorded the try. */
    private transient Throwable crash;
    private transient String crashedRequest;
    private transient long crashCheckpoint;
    /** The input ended: no checkpoint comes before the operator finishes, so a crash is retried in place. */
    private transient boolean inputEnded;
    private transient SlotEngine slot;
    private transient InferenceEngine engine;
    private transient EngineSubmitter submitter;
    private transient Worker worker;
    private transient InferenceMetrics metrics;
    private transient EngineIds ids;
    private transient long sequence;

    /** A request in the engine: what to answer, how to cancel it, and since when (processing time). */
    private record InFlight(PendingRequest request, String engineId, long submittedAt,
                            EngineSubmitter.Submission submission) {
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
        awaitingCheckpoint = new ArrayDeque<>();
        countedIn = new IdentityHashMap<>();
        counted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        exhausted = new ArrayList<>();
        aloneSeq = -1;
        crashCheckpoint = -1;
        if (context.isRestored()) {
            for (PendingRequest r : inFlightState.get()) {
                if (r.attempts >= settings.maxAttempts()) {
                    exhausted.add(r);
                } else if (r.attempts > 0 && settings.checkpointed()) {
                    awaitingCheckpoint.add(r);
                } else {
                    backlog.add(r);
                }
            }
            if (!backlog.isEmpty() || !awaitingCheckpoint.isEmpty() || !exhausted.isEmpty()) {
                LOG.info("re-running {} requests that were in flight at the checkpoint, {} of them once the next"
                        + " checkpoint has counted their try; {} are out of tries", backlog.size()
                        + awaitingCheckpoint.size(), awaitingCheckpoint.size(), exhausted.size());
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
        submitter = new EngineSubmitter(engine, "sluice-submit-" + subtask);
        metrics = new InferenceMetrics(getMetricGroup(), () -> inFlight.size(),
                () -> backlog.size() + awaitingCheckpoint.size(), slot.lease(), slot.device());
        getProcessingTimeService().scheduleWithFixedDelay(t -> cancelOverdue(), TIMEOUT_SCAN_MS, TIMEOUT_SCAN_MS);
        for (PendingRequest r : exhausted) {
            deadLetter(r, new Rejection(DeadLetterReason.ENGINE_FAILURE, "the engine was given this request "
                    + r.attempts + " times without an answer, the task failing while it ran (limits.max-attempts "
                    + settings.maxAttempts() + ")"));
        }
        exhausted.clear();
        drainBacklog();
    }

    @Override
    public void processElement(StreamRecord<RequestBatch> element) throws Exception {
        for (PendingRequest r : element.getValue().requests) {
            backlog.add(r);
        }
        drainBacklog();
        // After a crash nothing is submitted until a checkpoint has counted the try: the input must go on.
        while (!backlog.isEmpty() && crash == null) {
            mailbox.yield();
            drainBacklog();
        }
    }

    private void drainBacklog() {
        while (!backlog.isEmpty() && crash == null && aloneSeq < 0) {
            PendingRequest next = backlog.peek();
            int tryNumber = counted.contains(next) ? next.attempts : next.attempts + 1;
            boolean alone = tryNumber > 1 && tryNumber >= settings.maxAttempts();
            if (alone ? !inFlight.isEmpty() : inFlight.size() >= settings.maxInFlightRequests()) {
                return;
            }
            submit(backlog.poll(), alone);
        }
    }

    private void submit(PendingRequest pending, boolean alone) {
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
        if (!counted.remove(pending)) {
            pending.attempts++;
        }
        if (alone) {
            aloneSeq = seq;
            LOG.info("request {}: try {} of {}, alone in the subtask", pending.requestId(), pending.attempts,
                    settings.maxAttempts());
        }
        EngineSubmitter.Submission submission = submitter.submit(generation, (result, failure) -> {
            try {
                mailbox.execute(() -> onResult(seq, result, failure), "sluice result");
            } catch (RejectedExecutionException closed) {
                // The task is shutting down; the request is in the last checkpoint and runs again.
            }
        });
        inFlight.put(seq, new InFlight(pending, engineId, getProcessingTimeService().getCurrentProcessingTime(),
                submission));
    }

    private InFlight removeInFlight(long seq) {
        if (seq == aloneSeq) {
            aloneSeq = -1;
        }
        return inFlight.remove(seq);
    }

    private void onResult(long seq, io.sluice.engine.Completion result, Throwable failure) {
        InFlight done = removeInFlight(seq);
        if (done == null) {
            return;
        }
        if (failure != null) {
            onFailure(done, SlotEngine.unwrap(failure));
        } else {
            Completion completion = RequestMapping.toRecord(done.request(), result, settings.modelName(), worker,
                    System.currentTimeMillis());
            metrics.completed(completion);
            output.collect(new StreamRecord<>(completion));
        }
        drainBacklog();
    }

    private void onFailure(InFlight done, Throwable cause) {
        PendingRequest request = done.request();
        String message = cause.getMessage() == null ? cause.getClass().getName()
                : cause.getMessage().replace(done.engineId(), request.requestId());
        if (aboutTheRequest(cause)) {
            deadLetter(request, new Rejection(DeadLetterReason.of(cause), message));
        } else if (request.attempts >= settings.maxAttempts()) {
            deadLetter(request, new Rejection(DeadLetterReason.ENGINE_FAILURE, "the engine failed on all "
                    + request.attempts + " tries (limits.max-attempts); the last: " + message));
        } else if (cause instanceof Error && settings.checkpointed() && !inputEnded) {
            LOG.error("the engine threw {} on request {} (try {} of {}); failing the task once a checkpoint has"
                    + " counted the try", cause, request.requestId(), request.attempts, settings.maxAttempts());
            crash = cause;
            crashedRequest = request.requestId();
            backlog.addFirst(request);
        } else {
            LOG.warn("the engine failed request {} (try {} of {}), trying again: {}", request.requestId(),
                    request.attempts, settings.maxAttempts(), message);
            backlog.addFirst(request);
        }
    }

    /** A failure of the request itself (not of the engine): another try would fail alike. */
    private static boolean aboutTheRequest(Throwable cause) {
        return cause instanceof EngineException e && e.code() != EngineException.Code.INTERNAL
                && e.code() != EngineException.Code.ENGINE_CLOSED;
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
            submitter.cancel(e.getValue().submission());
            // Whether or not the engine still knew it, the request is answered now.
            removeInFlight(e.getKey());
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
        countNextTries(context.getCheckpointId());
        List<PendingRequest> pending = new ArrayList<>(inFlight.size() + backlog.size());
        for (InFlight f : inFlight.values()) {
            pending.add(crash == null ? f.request() : notToBlame(f.request()));
        }
        pending.addAll(backlog);
        pending.addAll(awaitingCheckpoint);
        inFlightState.update(pending);
    }

    /**
     * A request in the engine when the engine crashed on another one: the restart will cut its try short, a try
     * it is not to blame for, so the restored copy does not count it.
     */
    private static PendingRequest notToBlame(PendingRequest r) {
        PendingRequest copy = new PendingRequest(r.request, r.source, r.promptTokens);
        copy.bufferedAt = r.bufferedAt;
        copy.batchedAt = r.batchedAt;
        copy.attempts = Math.max(0, r.attempts - 1);
        return copy;
    }

    /** Counts, in this checkpoint, the next try of the restored requests and the try that crashed the engine. */
    private void countNextTries(long checkpointId) {
        for (PendingRequest r : awaitingCheckpoint) {
            if (!countedIn.containsKey(r)) {
                r.attempts++;
                countedIn.put(r, checkpointId);
            }
        }
        if (crash != null && crashCheckpoint < 0) {
            crashCheckpoint = checkpointId;
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        if (crash != null && crashCheckpoint >= 0 && checkpointId >= crashCheckpoint) {
            // In a mail, so that every operator of the chain (the sink's committer too) hears of it first.
            Throwable cause = crash;
            String message = "the engine crashed on request " + crashedRequest + "; restarting the task (checkpoint "
                    + checkpointId + " counted the try)";
            mailbox.execute(() -> {
                throw new IllegalStateException(message, cause);
            }, "sluice engine crash");
            return;
        }
        List<PendingRequest> ready = new ArrayList<>();
        for (Iterator<PendingRequest> it = awaitingCheckpoint.iterator(); it.hasNext(); ) {
            PendingRequest r = it.next();
            Long in = countedIn.get(r);
            if (in != null && in <= checkpointId) {
                it.remove();
                countedIn.remove(r);
                counted.add(r);
                ready.add(r);
            }
        }
        for (int i = ready.size() - 1; i >= 0; i--) {
            backlog.addFirst(ready.get(i));
        }
        drainBacklog();
    }

    /** Nothing in the engine or waiting for it (for tests, which run the result mails until then). */
    boolean idle() {
        return inFlight.isEmpty() && backlog.isEmpty() && awaitingCheckpoint.isEmpty();
    }

    /** Whether the engine threw an error and the task waits for a checkpoint to fail (for tests). */
    boolean crashed() {
        return crash != null;
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
        // No checkpoint comes before the operator finishes: restored requests take their next try now, and a
        // request the engine crashed on is tried again in place (a restart would replay the input up to here).
        inputEnded = true;
        if (crash != null) {
            LOG.warn("the input ended before a checkpoint counted the crash on {}; trying it again in place",
                    crashedRequest);
            crash = null;
        }
        for (PendingRequest r : awaitingCheckpoint) {
            if (countedIn.containsKey(r)) {
                counted.add(r);
            }
            backlog.add(r);
        }
        awaitingCheckpoint.clear();
        countedIn.clear();
        drainBacklog();
        while (!inFlight.isEmpty() || !backlog.isEmpty()) {
            mailbox.yield();
            drainBacklog();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (submitter != null) {
                submitter.close();
            }
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
            submitter = null;
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
