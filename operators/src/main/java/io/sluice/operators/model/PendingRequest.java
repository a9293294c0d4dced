package io.sluice.operators.model;

import io.sluice.schemas.PromptRequest;
import java.util.Objects;

/**
 * A decoded, validated request on its way to the engine, with the record it came from (for a dead letter if
 * the engine fails it). Lives in the micro-batcher's and the inference operator's checkpointed state.
 */
public class PendingRequest {
    public PromptRequest request;
    public RawRecord source;
    /** Prompt tokens, exact for token ids, estimated for text (the micro-batcher's token bound). */
    public int promptTokens;
    /** Processing time (epoch ms) when the micro-batcher buffered it; 0 before. */
    public long bufferedAt;
    /** Processing time (epoch ms) when its batch was emitted; 0 before. */
    public long batchedAt;
    /**
     * Tries the engine has been given this request, counted before each (so a try that kills the task is
     * counted in the state it restarts from); the inference operator dead-letters it after
     * {@code limits.max-attempts}.
     */
    public int attempts;

    public PendingRequest() {
    }

    public PendingRequest(PromptRequest request, RawRecord source, int promptTokens) {
        this.request = request;
        this.source = source;
        this.promptTokens = promptTokens;
    }

    public String requestId() {
        return request.getRequestId();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PendingRequest p && promptTokens == p.promptTokens && bufferedAt == p.bufferedAt
                && batchedAt == p.batchedAt && attempts == p.attempts && Objects.equals(request, p.request) && Objects.equals(source, p.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(request, source);
    }

    @Override
    public String toString() {
        return "PendingRequest[" + requestId() + " from " + source + "]";
    }
}
