package io.sluice.operators.inference;

import io.sluice.engine.Completion;
import io.sluice.engine.EngineException;
import io.sluice.engine.FinishReason;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.InferenceEngine;
import io.sluice.engine.RequestTimings;
import io.sluice.engine.TokenListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A deterministic engine for operator tests: the tokens depend only on the prompt and the seed. Requests
 * complete at once unless {@link #hold} is set; then they wait for {@link #releaseAll()}.
 */
final class FakeEngine implements InferenceEngine {
    final List<GenerationRequest> submitted = new ArrayList<>();
    final Map<String, CompletableFuture<Completion>> waiting = new LinkedHashMap<>();
    final List<String> cancelled = new ArrayList<>();
    volatile boolean hold;
    volatile Function<GenerationRequest, RuntimeException> failure = r -> null;
    volatile boolean closed;
    /** Every cancel throws (an engine failing while a subtask shuts down). */
    volatile boolean cancelFails;
    private final String device;

    FakeEngine(String device) {
        this.device = device;
    }

    @Override
    public synchronized CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
        submitted.add(request);
        RuntimeException fail = failure.apply(request);
        if (fail != null) {
            return CompletableFuture.failedFuture(fail);
        }
        if (hold) {
            CompletableFuture<Completion> f = new CompletableFuture<>();
            waiting.put(request.id(), f);
            return f;
        }
        return CompletableFuture.completedFuture(answer(request));
    }

    synchronized void releaseAll() {
        List<String> ids = new ArrayList<>(waiting.keySet());
        for (String id : ids) {
            waiting.remove(id).complete(answer(requestById(id)));
        }
    }

    synchronized int waitingCount() {
        return waiting.size();
    }

    private GenerationRequest requestById(String id) {
        return submitted.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    static Completion answer(GenerationRequest r) {
        SplittableRandom random = new SplittableRandom(r.sampling().seed() ^ Arrays.hashCode(r.promptIds()));
        int[] tokens = new int[r.maxTokens()];
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(1024);
            text.append(" t").append(tokens[i]);
        }
        return new Completion(r.id(), tokens, text.toString(), FinishReason.LENGTH, r.promptIds().length, 0,
                tokens.length, null, null, new RequestTimings(1, 2, 3, 0.5));
    }

    @Override
    public synchronized boolean cancel(String requestId) {
        if (cancelFails) {
            throw new IllegalStateException("cancel failed");
        }
        cancelled.add(requestId);
        CompletableFuture<Completion> f = waiting.remove(requestId);
        if (f != null) {
            f.completeExceptionally(new EngineException(EngineException.Code.CANCELLED, "cancelled"));
            return true;
        }
        return false;
    }

    @Override
    public int contextLength() {
        return 64;
    }

    @Override
    public int vocabularySize() {
        return 1024;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public void close() {
        closed = true;
    }
}
