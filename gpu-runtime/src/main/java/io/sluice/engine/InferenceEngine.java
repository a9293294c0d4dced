package io.sluice.engine;

import java.util.concurrent.CompletableFuture;

/**
 * The engine as its callers see it: submit requests, get futures of completions, optionally stream tokens.
 * Thread-safe. A request that cannot be served completes its future exceptionally with an
 * {@link EngineException} whose code says why. {@link #close()} drains: requests already submitted finish.
 */
public interface InferenceEngine extends AutoCloseable {

    CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener);

    default CompletableFuture<Completion> submit(GenerationRequest request) {
        return submit(request, TokenListener.NONE);
    }

    /** Cancels a waiting or running request; its future fails with code CANCELLED. False if unknown. */
    boolean cancel(String requestId);

    /** The model's context length in tokens (prompt + generated). */
    int contextLength();

    /** The model's vocabulary size; prompt ids must be below it. */
    int vocabularySize();

    /** A short description of where the engine runs ("cpu", "cuda:0 NVIDIA H100 ..."). */
    String device();

    /** Waits for submitted requests to finish, then releases the engine's resources. */
    @Override
    void close();
}
