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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A deterministic engine for operator tests: the tokens depend only on the prompt and the seed. Requests
 * complete at once unless {@link #hold} is set; then they wait for {@link #releaseAll()}. Text prompts are
 * "tokenized" in {@code submit}, as the real engine does, and {@link #tokenizerGate} can make that block.
 */
final class FakeEngine implements InferenceEngine {
    /** How long a gated tokenization waits at most, so that a test of code that blocks on it fails, not hangs. */
    static final long GATE_WAIT_S = 10;
    final List<GenerationRequest> submitted = new ArrayList<>();
    final Map<String, CompletableFuture<Completion>> waiting = new LinkedHashMap<>();
    final List<String> cancelled = new ArrayList<>();
    volatile boolean hold;
    volatile Function<GenerationRequest, RuntimeException> failure = r -> null;
    /** An error {@code submit} throws for a request (an engine that crashes on it); null for none. */
    volatile Function<GenerationRequest, Error> crash = r -> null;
    /** A latch that tokenizing a request waits for (a tokenizer slow on a huge prompt); null for none. */
    volatile Function<GenerationRequest, CountDownLatch> tokenizerGate = r -> null;
    /** Tokenizations under way right now. */
    final AtomicInteger tokenizing = new AtomicInteger();
    /** Set when a gated tokenization gave up waiting (its latch was never released). */
    volatile boolean tokenizerGaveUp;
    volatile boolean closed;
    /** Every cancel throws (an engine failing while a subtask shuts down). */
    volatile boolean cancelFails;
    private final String device;

    FakeEngine(String device) {
        this.device = device;
    }

    @Override
    public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
        tokenize(request);
        Error error = crash.apply(request);
        if (error != null) {
            synchronized (this) {
                submitted.add(request);
            }
            throw error;
        }
        return accept(request);
    }

    private void tokenize(GenerationRequest request) {
        CountDownLatch gate = tokenizerGate.apply(request);
        if (gate == null) {
            return;
        }
        tokenizing.incrementAndGet();
        try {
            if (!gate.await(GATE_WAIT_S, TimeUnit.SECONDS)) {
                tokenizerGaveUp = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            tokenizing.decrementAndGet();
        }
    }

    private synchronized CompletableFuture<Completion> accept(GenerationRequest request) {
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
        int promptHash = r.promptIds() != null ? Arrays.hashCode(r.promptIds()) : r.prompt().hashCode();
        int promptTokens = r.promptIds() != null ? r.promptIds().length : r.prompt().length();
        SplittableRandom random = new SplittableRandom(r.sampling().seed() ^ promptHash);
        int[] tokens = new int[r.maxTokens()];
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(1024);
            text.append(" t").append(tokens[i]);
        }
        return new Completion(r.id(), tokens, text.toString(), FinishReason.LENGTH, promptTokens, 0,
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
