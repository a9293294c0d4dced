package io.sluice.operators.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.Completion;
import io.sluice.engine.EngineException;
import io.sluice.engine.FinishReason;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.InferenceEngine;
import io.sluice.engine.RequestTimings;
import io.sluice.engine.TokenListener;
import io.sluice.operators.inference.EngineLease;
import io.sluice.operators.inference.EngineProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine tokenizes a prompt (and renders its chat template) inside {@code submit}; ML_PREDICT calls it off
 * the task thread, as the DataStream operator does. With an engine whose tokenizer blocks on one prompt until
 * the test releases it, {@code asyncPredict} on the test's thread (the task thread here) returns at once and a
 * row behind the blocked one is answered. Were {@code submit} called on the task thread, {@code asyncPredict}
 * would not return before the tokenizer gave up ({@link #GATE_WAIT_S}) and would record the test's thread.
 */
@Timeout(60)
class PredictOffTaskThreadTest {
    private static final long GATE_WAIT_S = 10;
    private static final String SLOW = "a prompt the tokenizer is slow on";

    private GatedEngine engine;
    private SluicePredictFunction function;

    @BeforeEach
    void open() throws Exception {
        engine = new GatedEngine();
        PredictSettings settings = PredictSettings.of("bard", Configuration.fromMap(Map.of("model.path", "m.gguf",
                "device", "cpu", "max-tokens", "3")));
        ModelInput input = ModelInput.of(ResolvedSchema.of(Column.physical("prompt", DataTypes.STRING())));
        ModelOutput output = ModelOutput.of(ResolvedSchema.of(Column.physical("completion", DataTypes.STRING())),
                settings.errors());
        function = new SluicePredictFunction(settings, input, output, new LeaseOf(engine));
        function.open(new TaskContext());
    }

    @AfterEach
    void close() throws Exception {
        engine.release.countDown();
        function.close();
    }

    @Test
    void aPromptBeingTokenizedHoldsUpNeitherTheTaskThreadNorTheRowsBehindIt() throws Exception {
        CompletableFuture<Collection<RowData>> slow = function.asyncPredict(row(SLOW));
        engine.awaitTokenizing(1);
        CompletableFuture<Collection<RowData>> quick = function.asyncPredict(row("ROMEO:"));

        assertEquals("ROMEO:", text(quick.get(5, TimeUnit.SECONDS)), "answered while the slow prompt tokenizes");
        assertFalse(slow.isDone());
        assertEquals(1, engine.tokenizing.get(), "the slow prompt is still being tokenized");

        engine.release.countDown();
        assertEquals(SLOW, text(slow.get(5, TimeUnit.SECONDS)));
        assertFalse(engine.gaveUp, "the tokenizer waited for the release");
        assertEquals(2, engine.callers.size());
        for (Thread caller : engine.callers) {
            assertTrue(caller != Thread.currentThread() && caller.getName().startsWith("sluice-predict-submit-"),
                    "submit ran on " + caller.getName());
        }
    }

    @Test
    void closeCancelsTheRowsBeingSubmittedAndKeepsQueuedOnesOutOfTheEngine() throws Exception {
        // Two workers: two slow prompts occupy both, the third row waits in the queue.
        List<CompletableFuture<Collection<RowData>>> rows = List.of(function.asyncPredict(row(SLOW)),
                function.asyncPredict(row(SLOW)), function.asyncPredict(row("ROMEO:")));
        engine.awaitTokenizing(2);
        engine.hold = true;

        function.close();

        assertEquals(2, engine.submitted.size(), "the queued row never reached the engine");
        assertTrue(engine.cancelled.containsAll(engine.submitted), "both rows being tokenized were cancelled there");
        assertEquals(0, engine.waiting.size());
        assertTrue(engine.leaseClosed);
        assertTrue(rows.stream().noneMatch(CompletableFuture::isDone), "a closing task answers no row");
    }

    private static RowData row(String prompt) {
        return GenericRowData.of(StringData.fromString(prompt));
    }

    /** The fake completion's text is its prompt. */
    private static String text(Collection<RowData> rows) {
        assertEquals(1, rows.size());
        return rows.iterator().next().getString(0).toString();
    }

    /** What a TaskManager gives the function: subtask 0 of 1, metrics nowhere. */
    private static final class TaskContext extends FunctionContext {
        TaskContext() {
            super(null);
        }

        @Override
        public TaskInfo getTaskInfo() {
            return new TaskInfoImpl("ML_PREDICT", 1, 0, 1, 0);
        }

        @Override
        public MetricGroup getMetricGroup() {
            return new UnregisteredMetricsGroup();
        }
    }

    /** Leases the one engine of the test (the function is not serialized here, so a field does). */
    private static final class LeaseOf implements EngineProvider {
        private static final long serialVersionUID = 1L;
        private final transient GatedEngine engine;

        LeaseOf(GatedEngine engine) {
            this.engine = engine;
        }

        @Override
        public EngineLease acquire(io.sluice.operators.inference.Device device) {
            return new EngineLease() {
                @Override
                public InferenceEngine engine() {
                    return engine;
                }

                @Override
                public void close() {
                    engine.leaseClosed = true;
                }
            };
        }
    }

    /**
     * "Tokenizes" in {@code submit}, as the real engine does, blocking on {@link #SLOW} until {@link #release}
     * (or an interrupt); records the thread that called it. Completes at once unless {@link #hold}.
     */
    private static final class GatedEngine implements InferenceEngine {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger tokenizing = new AtomicInteger();
        final List<Thread> callers = new ArrayList<>();
        final List<String> submitted = new ArrayList<>();
        final List<String> cancelled = new ArrayList<>();
        final Map<String, CompletableFuture<Completion>> waiting = new LinkedHashMap<>();
        volatile boolean hold;
        volatile boolean gaveUp;
        volatile boolean leaseClosed;

        @Override
        public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
            synchronized (this) {
                callers.add(Thread.currentThread());
            }
            if (SLOW.equals(request.prompt())) {
                tokenizing.incrementAndGet();
                try {
                    gaveUp = !release.await(GATE_WAIT_S, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // a closing task: done tokenizing, the request goes in
                } finally {
                    tokenizing.decrementAndGet();
                }
            }
            synchronized (this) {
                submitted.add(request.id());
                Completion answer = new Completion(request.id(), new int[] {1}, request.prompt(), FinishReason.LENGTH,
                        1, 0, 1, null, null, new RequestTimings(1, 2, 3, 0.5));
                if (!hold) {
                    return CompletableFuture.completedFuture(answer);
                }
                CompletableFuture<Completion> f = new CompletableFuture<>();
                waiting.put(request.id(), f);
                return f;
            }
        }

        void awaitTokenizing(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (tokenizing.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(n, tokenizing.get(), "prompts being tokenized");
        }

        @Override
        public synchronized boolean cancel(String requestId) {
            cancelled.add(requestId);
            CompletableFuture<Completion> f = waiting.remove(requestId);
            if (f == null) {
                return false;
            }
            f.completeExceptionally(new EngineException(EngineException.Code.CANCELLED, "cancelled"));
            return true;
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
            return "cpu";
        }

        @Override
        public void close() {
        }
    }
}
