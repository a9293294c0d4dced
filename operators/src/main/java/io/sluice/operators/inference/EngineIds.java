package io.sluice.operators.inference;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids that are unique within a shared engine: the caller's id, then the subtask, the caller's
 * instance number in the JVM and a sequence number. Engines are shared by the slots of a TaskManager and
 * outlive a task failover, so a re-run never reuses an id that a failed instance may still have running, or
 * cancelled (by id) without the engine having seen the cancellation yet.
 */
public final class EngineIds {
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final String suffix;

    public EngineIds(int subtask) {
        this.suffix = "#" + subtask + "." + INSTANCES.incrementAndGet() + ".";
    }

    /** The engine id of the caller's request {@code requestId}, the {@code sequence}-th of this instance. */
    public String of(String requestId, long sequence) {
        return requestId + suffix + sequence;
    }
}
