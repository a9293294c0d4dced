package io.sluice.engine;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One caller's reference to a shared engine (see {@link SharedEngines}). Closing the handle gives the
 * reference back; the engine closes (draining its requests) when the last handle is closed. Closing twice
 * is harmless.
 */
public final class EngineHandle implements AutoCloseable {

    private final SharedEngines.Entry entry;
    private final AtomicBoolean closed = new AtomicBoolean();

    EngineHandle(SharedEngines.Entry entry) {
        this.entry = entry;
    }

    /** The shared engine; valid until this handle is closed. */
    public InferenceEngine engine() {
        if (closed.get()) {
            throw new IllegalStateException("engine handle is closed");
        }
        return entry.engine();
    }

    /** The configuration the shared engine was created with (the first caller's). */
    public EngineConfig config() {
        return entry.config();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            entry.release();
        }
    }
}
