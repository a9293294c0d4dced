package io.sluice.e2e;

import io.sluice.engine.Completion;
import io.sluice.engine.EngineException;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.InferenceEngine;
import io.sluice.engine.TokenListener;
import io.sluice.operators.inference.Device;
import io.sluice.operators.inference.EngineLease;
import io.sluice.operators.inference.EngineProvider;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real engine behind test wrappers (the MiniCluster runs in the test's JVM, so the wrappers' counters
 * are visible to the test): slowed down, failing chosen requests, and counting what it was asked.
 */
final class TestEngines {
    private TestEngines() {
    }

    /** Per-name counters of a wrapped engine. */
    static final class Counters {
        final AtomicInteger submitted = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicInteger inEngine = new AtomicInteger();
        final AtomicInteger maxInEngine = new AtomicInteger();
        /** Requests a {@link Holding} engine holds now. */
        final AtomicInteger held = new AtomicInteger();
        /** Tries per request id (by {@link Crashing}). */
        final Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        /** Engine leases taken (by {@link Crashing}): one per start of a task. */
        final AtomicInteger leases = new AtomicInteger();
    }

    static final Map<String, Counters> COUNTERS = new ConcurrentHashMap<>();

    static Counters counters(String name) {
        return COUNTERS.computeIfAbsent(name, n -> new Counters());
    }

    /**
     * Wraps a provider: each request takes at least {@code delayMs} longer, requests whose id starts with
     * {@code failPrefix} fail inside the engine (with the code that follows the prefix, if any), and the
     * counters of {@code name} are kept.
     */
    record Wrapped(EngineProvider delegate, String name, long delayMs, String failPrefix) implements EngineProvider {
        @Override
        public EngineLease acquire(Device device) throws Exception {
            EngineLease lease = delegate.acquire(device);
            InferenceEngine engine = new WrappedEngine(lease.engine(), counters(name), delayMs, failPrefix);
            return wrap(lease, engine);
        }
    }

    /**
     * Wraps a provider with an engine that crashes — throws an {@link Error} from {@code submit}, as an engine
     * whose state is broken would — on every try at a request whose id starts with {@code crashPrefix}, and
     * counts the tries of each request ({@link Counters#tries}) and the leases taken ({@link Counters#leases}: one
     * per start of the task).
     */
    record Crashing(EngineProvider delegate, String name, String crashPrefix) implements EngineProvider {
        @Override
        public EngineLease acquire(Device device) throws Exception {
            EngineLease lease = delegate.acquire(device);
            Counters counters = counters(name);
            counters.leases.incrementAndGet();
            InferenceEngine engine = new CrashingEngine(lease.engine(), counters, crashPrefix);
            return wrap(lease, engine);
        }
    }

    /**
     * Wraps a provider: requests whose id starts with {@code holdPrefix} never finish (they stay in flight
     * until the operator cancels them, as a closing subtask does); the others run on the real engine. The
     * counters of {@code name} count both: {@code inEngine} is the number held or running now.
     */
    record Holding(EngineProvider delegate, String name, String holdPrefix) implements EngineProvider {
        @Override
        public EngineLease acquire(Device device) throws Exception {
            EngineLease lease = delegate.acquire(device);
            InferenceEngine engine = new HoldingEngine(lease.engine(), counters(name), holdPrefix,
                    new ConcurrentHashMap<>());
            return wrap(lease, engine);
        }
    }

    private record HoldingEngine(InferenceEngine engine, Counters counters, String holdPrefix,
                                 Map<String, CompletableFuture<Completion>> held) implements DelegatingEngine {
        @Override
        public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
            counters.submitted.incrementAndGet();
            counters.maxInEngine.accumulateAndGet(counters.inEngine.incrementAndGet(), Math::max);
            CompletableFuture<Completion> result;
            if (request.id().startsWith(holdPrefix)) {
                result = new CompletableFuture<>();
                held.put(request.id(), result);
                counters.held.incrementAndGet();
            } else {
                result = engine.submit(request, listener);
            }
            return result.whenComplete((c, e) -> {
                counters.inEngine.decrementAndGet();
                counters.finished.incrementAndGet();
            });
        }

        @Override
        public boolean cancel(String requestId) {
            CompletableFuture<Completion> h = held.remove(requestId);
            if (h != null) {
                counters.held.decrementAndGet();
                return h.completeExceptionally(new EngineException(EngineException.Code.CANCELLED, "cancelled"));
            }
            return engine.cancel(requestId);
        }
    }

    /** Gates of {@link Gated} engines by name (the provider travels serialized; the latch stays here). */
    static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    /**
     * Wraps a provider with an engine whose {@code submit} — where the real engine tokenizes the prompt and
     * renders the chat template — waits for the gate {@code GATES.get(name)} when the text prompt has at least
     * {@code minPromptChars} characters (a tokenizer slow on a huge prompt), then hands the request on.
     * {@link Counters#inEngine} counts the submits waiting at the gate.
     */
    record Gated(EngineProvider delegate, String name, int minPromptChars) implements EngineProvider {
        @Override
        public EngineLease acquire(Device device) throws Exception {
            EngineLease lease = delegate.acquire(device);
            InferenceEngine engine = new GatedEngine(lease.engine(), counters(name), minPromptChars, GATES.get(name));
            return wrap(lease, engine);
        }
    }

    private record GatedEngine(InferenceEngine engine, Counters counters, int minPromptChars, CountDownLatch gate)
            implements DelegatingEngine {
        @Override
        public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
            if (request.prompt() != null && request.prompt().length() >= minPromptChars) {
                counters.inEngine.incrementAndGet();
                try {
                    if (!gate.await(2, TimeUnit.MINUTES)) {
                        throw new IllegalStateException("the test never opened the gate");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    counters.inEngine.decrementAndGet();
                }
            }
            return engine.submit(request, listener);
        }
    }

    private record CrashingEngine(InferenceEngine engine, Counters counters, String crashPrefix)
            implements DelegatingEngine {
        @Override
        public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
            String requestId = request.id().substring(0, request.id().lastIndexOf('#'));
            counters.tries.computeIfAbsent(requestId, id -> new AtomicInteger()).incrementAndGet();
            if (requestId.startsWith(crashPrefix)) {
                throw new AssertionError("the engine crashed on " + requestId);
            }
            return engine.submit(request, listener);
        }
    }

    private record WrappedEngine(InferenceEngine engine, Counters counters, long delayMs, String failPrefix)
            implements DelegatingEngine {
        @Override
        public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
            counters.submitted.incrementAndGet();
            int now = counters.inEngine.incrementAndGet();
            counters.maxInEngine.accumulateAndGet(now, Math::max);
            CompletableFuture<Completion> base = failPrefix != null && request.id().startsWith(failPrefix)
                    ? CompletableFuture.failedFuture(new EngineException(injectedCode(request.id()),
                            "injected engine failure"))
                    : engine.submit(request, listener);
            CompletableFuture<Completion> result = delayMs <= 0 ? base
                    : base.handleAsync((c, e) -> null, CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS))
                            .thenCompose(ignored -> base);
            return result.whenComplete((c, e) -> {
                counters.inEngine.decrementAndGet();
                counters.finished.incrementAndGet();
            });
        }

        /** The code named right after the prefix ({@code <prefix>INVALID_REQUEST-1}), INTERNAL when none is. */
        private EngineException.Code injectedCode(String id) {
            String rest = id.substring(failPrefix.length());
            for (EngineException.Code code : EngineException.Code.values()) {
                if (rest.startsWith(code.name() + "-")) {
                    return code;
                }
            }
            return EngineException.Code.INTERNAL;
        }
    }

    /** An engine that passes everything but what it overrides to {@link #engine()}. */
    private interface DelegatingEngine extends InferenceEngine {
        InferenceEngine engine();

        @Override
        default boolean cancel(String requestId) {
            return engine().cancel(requestId);
        }

        @Override
        default int contextLength() {
            return engine().contextLength();
        }

        @Override
        default int vocabularySize() {
            return engine().vocabularySize();
        }

        @Override
        default String device() {
            return engine().device();
        }

        @Override
        default void close() {
            engine().close();
        }
    }

    /** {@code lease} with its engine replaced by {@code engine} (a wrapper of it); closing gives the lease back. */
    private static EngineLease wrap(EngineLease lease, InferenceEngine engine) {
        return new EngineLease() {
            @Override
            public InferenceEngine engine() {
                return engine;
            }

            @Override
            public void close() {
                lease.close();
            }
        };
    }
}
