package io.sluice.operators.inference;

import io.sluice.tokenizer.ChatMessage;
import io.sluice.engine.FinishReason;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.RequestTimings;
import io.sluice.sampling.SamplingParams;
import io.sluice.operators.model.PendingRequest;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.SamplingParameters;
import io.sluice.schemas.Timings;
import io.sluice.schemas.Usage;
import io.sluice.schemas.Worker;
import java.util.ArrayList;
import java.util.List;

/** Between the topics' records and the engine's types. */
public final class RequestMapping {
    private RequestMapping() {
    }

    /** The engine request for a validated prompt request; {@code engineId} is unique within the engine. */
    public static GenerationRequest toEngine(PromptRequest request, String engineId) {
        SamplingParameters s = request.getSampling();
        long seed = s.getSeed() != null ? s.getSeed() : Seeds.fromRequestId(request.getRequestId());
        SamplingParams sampling = SamplingParams.builder()
                .temperature(s.getTemperature())
                .topK(s.getTopK())
                .topP(s.getTopP())
                .minP(s.getMinP())
                .repeatPenalty(s.getRepetitionPenalty())
                .seed(seed)
                .build();
        GenerationRequest.Builder b = GenerationRequest.builder(engineId)
                .sampling(sampling)
                .maxTokens(s.getMaxTokens())
                .stopStrings(s.getStop())
                .priority(request.getPriority())
                .speculate(request.getSpeculate());
        if (request.getPromptIds() != null) {
            b.promptIds(request.getPromptIds().stream().mapToInt(Integer::intValue).toArray());
        } else if (request.getPrompt() != null) {
            b.prompt(request.getPrompt());
        } else {
            b.messages(request.getMessages().stream().map(m -> new ChatMessage(m.getRole(), m.getContent())).toList());
        }
        return b.build();
    }

    /** The completion record for the engine's result. */
    public static Completion toRecord(PendingRequest pending, io.sluice.engine.Completion result, String modelName,
                                      Worker worker, long now) {
        PromptRequest request = pending.request;
        List<Integer> ids = new ArrayList<>(result.tokenIds() == null ? 0 : result.tokenIds().length);
        if (result.tokenIds() != null) {
            for (int id : result.tokenIds()) {
                ids.add(id);
            }
        }
        RequestTimings t = result.timings();
        double batchWait = pending.batchedAt > 0 && pending.bufferedAt > 0
                ? Math.max(0, pending.batchedAt - pending.bufferedAt) : 0;
        FinishReason finish = result.finishReason() == null ? FinishReason.STOP : result.finishReason();
        return Completion.newBuilder()
                .setRequestId(request.getRequestId())
                .setModel(modelName)
                .setText(result.text() == null ? "" : result.text())
                .setTokenIds(ids)
                .setFinishReason(finish.wireName())
                .setUsage(new Usage(result.promptTokens(), result.cachedTokens(), result.completionTokens()))
                .setTimings(new Timings(batchWait,
                        t == null ? 0 : t.queuedMs(),
                        t == null ? 0 : t.timeToFirstTokenMs(),
                        t == null ? 0 : t.totalMs(),
                        t == null ? 0 : t.timePerOutputTokenMs()))
                .setWorker(worker)
                .setAttributes(request.getAttributes())
                .setRequestCreatedAt(request.getCreatedAt())
                .setCreatedAt(now)
                .build();
    }
}
