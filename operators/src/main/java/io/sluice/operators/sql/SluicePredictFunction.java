package io.sluice.operators.sql;

import io.sluice.engine.Completion;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.InferenceEngine;
import io.sluice.operators.inference.DevicePreference;
import io.sluice.operators.inference.EngineIds;
import io.sluice.operators.inference.EngineProvider;
import io.sluice.operators.inference.EngineSubmitter;
import io.sluice.operators.inference.GpuAssignment;
import io.sluice.operators.inference.SlotEngine;
import io.sluice.operators.validate.DeadLetterReason;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ML_PREDICT over Sluice's engine: each input row becomes one engine request, submitted without waiting, so
 * all rows Flink lets in flight ({@code max-concurrent-operations}) are batched together by the engine. Rows
 * reach the engine through an {@link EngineSubmitter}, as in the DataStream job: the engine tokenizes the prompt
 * and renders the chat template inside {@code submit}, which must not hold up the task thread. The
 * engine is the TaskManager's shared one for the model and device, leased exactly as the DataStream job's
 * inference operator leases it ({@link SlotEngine}: GPU claim, CPU fallback). A row the engine cannot
 * answer is handled by the model's {@link SluiceModelOptions.ErrorHandling}. Public: Flink's generated code calls it.
 */
public final class SluicePredictFunction extends AsyncPredictFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SluicePredictFunction.class);

    private final PredictSettings settings;
    private final ModelInput input;
    private final ModelOutput output;
    private final EngineProvider engines;

    private transient SlotEngine slot;
    private transient InferenceEngine engine;
    private transient EngineIds ids;
    private transient AtomicLong sequence;
    private transient RowSeeds seeds;
    private transient EngineSubmitter submitter;
    /** Engine ids of the rows handed to the submitter and not answered yet (queued for a worker or in the engine). */
    private transient Set<String> inFlight;
    private transient PredictMetrics metrics;
    private transient volatile boolean closing;

    SluicePredictFunction(PredictSettings settings, ModelInput input, ModelOutput output, EngineProvider engines) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.input = Objects.requireNonNull(input, "input");
        this.output = Objects.requireNonNull(output, "output");
        this.engines = Objects.requireNonNull(engines, "engines");
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        Collection<ExternalResourceInfo> gpus = settings.device().mode() == DevicePreference.Mode.CPU ? Set.of()
                : context.getExternalResourceInfos(GpuAssignment.RESOURCE_NAME);
        slot = SlotEngine.open(engines, gpus, subtask, "ML_PREDICT " + settings.modelName());
        engine = slot.engine();
        ids = new EngineIds(subtask);
        sequence = new AtomicLong();
        seeds = new RowSeeds();
        inFlight = ConcurrentHashMap.newKeySet();
        submitter = new EngineSubmitter(engine, "sluice-predict-submit-" + subtask);
        metrics = new PredictMetrics(context.getMetricGroup(), () -> inFlight.size(), slot.lease(), slot.device());
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData row) {
        ModelInput.Prompt prompt = input.read(row);
        if (prompt.isNull() || prompt.isEmpty()) {
            return failed(DeadLetterReason.EMPTY_PROMPT, prompt.isNull() ? "the prompt is null" : "the prompt is empty");
        }
        long seed = settings.seed() != null ? settings.seed()
                : prompt.seed() != null ? prompt.seed() : seeds.next(prompt.key());
        String engineId = ids.of("row", sequence.getAndIncrement());
        GenerationRequest.Builder request = GenerationRequest.builder(engineId)
                .sampling(settings.sampling(seed))
                .maxTokens(settings.maxTokens())
                .stopStrings(settings.stop());
        if (prompt.text() != null) {
            request.prompt(prompt.text());
        } else {
            request.messages(prompt.messages());
        }
        CompletableFuture<Collection<RowData>> result = new CompletableFuture<>();
        GenerationRequest generation;
        try {
            generation = request.build();
        } catch (RuntimeException e) {
            answer(engineId, null, e, result);
            return result;
        }
        // Added before the worker can answer, so that the answer's remove never comes first.
        inFlight.add(engineId);
        submitter.submit(generation, (completion, failure) -> answer(engineId, completion, failure, result));
        return result;
    }

    /** The row's answer from the engine's completion or failure, on a submitter worker or the engine's thread. */
    private void answer(String engineId, Completion completion, Throwable failure,
                        CompletableFuture<Collection<RowData>> result) {
        inFlight.remove(engineId);
        if (closing) {
            return; // cancelled by close(): the task is going away, the row is not answered
        }
        if (failure == null) {
            metrics.answered(completion);
            result.complete(List.of(output.answer(completion)));
            return;
        }
        Throwable cause = SlotEngine.unwrap(failure);
        String message = String.valueOf(cause.getMessage()).replace("request " + engineId + ": ", "");
        failed(DeadLetterReason.of(cause), message).whenComplete((rows, e) -> {
            if (e == null) {
                result.complete(rows);
            } else {
                result.completeExceptionally(e);
            }
        });
    }

    /** A row that gets no completion, as the error-handling strategy says. */
    private CompletableFuture<Collection<RowData>> failed(DeadLetterReason reason, String message) {
        metrics.failed();
        String why = reason + ": " + message;
        return switch (settings.errors()) {
            case OUTPUT -> CompletableFuture.completedFuture(List.of(output.failure(why)));
            case IGNORE -> {
                LOG.warn("ML_PREDICT {}: row dropped (error-handling-strategy 'ignore'): {}", settings.modelName(), why);
                yield CompletableFuture.completedFuture(List.of());
            }
            case FAILOVER -> CompletableFuture.failedFuture(new IllegalStateException("ML_PREDICT "
                    + settings.modelName() + ": a row failed (error-handling-strategy 'failover'): " + why));
        };
    }

    @Override
    public void close() throws Exception {
        closing = true;
        try {
            if (submitter != null) {
                submitter.close(); // queued rows never reach the engine; one being submitted is cancelled there
            }
            if (slot != null) {
                slot.cancelAndClose(inFlight == null ? List.of() : List.copyOf(inFlight));
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
}
