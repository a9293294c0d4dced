package io.sluice.operators.inference;

import io.sluice.engine.Completion;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.InferenceEngine;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands requests to the engine from worker threads instead of the task's mailbox thread. The engine's
 * {@code submit} tokenizes the prompt and renders the chat template before it returns; for a prompt of a
 * megabyte that is long enough to hold up checkpoint barriers, timers and every other request of the subtask
 * if it ran on the mailbox. Several workers, so that one huge prompt does not hold up the small ones behind it.
 * The order in which requests reach the engine does not change their tokens (the engine is batch-invariant and
 * seeds come from the requests), only which finishes first. Used alike by the DataStream job's inference
 * operator and by the SQL predict function, each over the engine of its {@link SlotEngine}.
 */
public final class EngineSubmitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineSubmitter.class);
    /** Workers per subtask: tokenizing is quick next to generating, two keep one huge prompt from blocking. */
    static final int WORKERS = 2;
    private static final long CLOSE_WAIT_MS = 10_000;

    private final InferenceEngine engine;
    private final ExecutorService workers;
    private volatile boolean closed;

    public EngineSubmitter(InferenceEngine engine, String threadName) {
        this.engine = Objects.requireNonNull(engine, "engine");
        AtomicInteger count = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, threadName + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** One request on its way to the engine; cancelling it before a worker submits it keeps it out. */
    public static final class Submission {
        private final String engineId;
        private volatile boolean cancelled;

        private Submission(String engineId) {
            this.engineId = engineId;
        }
    }

    /**
     * Submits the request on a worker. {@code onDone} gets the completion or the failure — whatever the engine
     * throws from {@code submit}, an {@link Error} included — on a worker or the engine's thread, exactly once,
     * unless the submission was cancelled or the submitter closed first.
     */
    public Submission submit(GenerationRequest request, BiConsumer<Completion, Throwable> onDone) {
        Submission s = new Submission(request.id());
        workers.execute(() -> run(s, request, onDone));
        return s;
    }

    private void run(Submission s, GenerationRequest request, BiConsumer<Completion, Throwable> onDone) {
        if (s.cancelled || closed) {
            return;
        }
        CompletableFuture<Completion> future;
        try {
            future = engine.submit(request);
        } catch (Throwable t) {
            future = CompletableFuture.failedFuture(t);
        }
        // cancel() sets the flag before it asks the engine: either it found the request there, or we see the flag.
        if (s.cancelled || closed) {
            engine.cancel(s.engineId);
        }
        future.whenComplete(onDone);
    }

    /** Cancels the request, in the engine if it got there already. */
    public void cancel(Submission s) {
        s.cancelled = true;
        engine.cancel(s.engineId);
    }

    /**
     * Stops submitting: queued requests never reach the engine, and one a worker submits meanwhile is cancelled
     * there. Waits a little for the workers to finish what they tokenize.
     */
    @Override
    public void close() {
        closed = true;
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("a worker is still submitting to the engine after {} ms; it cancels its request when done",
                        CLOSE_WAIT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
