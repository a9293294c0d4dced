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
                && batchedAt == p.batchedAt && Objects.equals(request, p.request) && Objects.equals(source, p.source);
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
