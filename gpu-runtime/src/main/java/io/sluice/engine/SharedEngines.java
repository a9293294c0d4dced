package io.sluice.engine;

import io.sluice.tensor.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine per model and device per JVM, shared by every caller in the process (several Flink task slots
 * in one TaskManager share one copy of the weights and one KV pool; slots on different GPUs get one each).
 * {@link #acquire} returns a reference-counted {@link EngineHandle}; the engine is created by the first
 * acquire of a model and closed, after draining, when its last handle is closed. Later callers get the
 * engine as the first one configured it.
 *
 * <p>Loading a model can take minutes, so no lock is held while it loads: the map of engines is locked only
 * to look an entry up or count a reference, and each entry carries the future of its engine. Callers of the
 * same model wait for that one load; callers of other models, and releases, go on. A load that fails is
 * forgotten (every caller waiting on it gets the failure, the next acquire tries again). A model that is
 * still draining its last engine is loaded again only once that engine has closed, so two copies of one
 * model never hold memory together.
 */
public final class SharedEngines {

    private static final Logger LOG = LoggerFactory.getLogger(SharedEngines.class);

    /** Creates an engine for a configuration. */
    @FunctionalInterface
    public interface EngineFactory {
        InferenceEngine create(EngineConfig config);
    }

    /** Engines are shared per model file and device (or devices, for a model split over several). */
    record Key(Path model, List<Device> devices) {
    }

    /** Guards {@link #ENGINES}, {@link #CLOSING} and every entry's reference count; never held while loading. */
    private static final Object LOCK = new Object();
    private static final Map<Key, Entry> ENGINES = new HashMap<>();
    /** Engines of a key whose last handle was closed and that are still draining. */
    private static final Map<Key, CompletableFuture<Void>> CLOSING = new HashMap<>();
    private static volatile EngineFactory factory = LlamaEngine::open;

    private SharedEngines() {
    }

    /**
     * The shared engine of the configuration's model, created if this is its first user. Waits while another
     * caller loads the same model; an interrupted wait gives the reference back and throws
     * {@link IllegalStateException} with the thread's interrupt flag set.
     */
    public static EngineHandle acquire(EngineConfig config) {
        Objects.requireNonNull(config, "config");
        Key key = new Key(canonical(config.modelPath()), config.devices());
        Entry entry;
        boolean loader = false;
        synchronized (LOCK) {
            entry = ENGINES.get(key);
            if (entry == null) {
                entry = new Entry(key, config);
                ENGINES.put(key, entry);
                loader = true;
            } else if (!sameExceptPath(entry.config, config)) {
                LOG.warn("engine for {} already exists with {}; ignoring the differing {}", key, entry.config, config);
            }
            entry.references++;
        }
        if (loader) {
            entry.load();
        }
        entry.awaitLoaded();
        return new EngineHandle(entry);
    }

    /** How many engines are alive or loading (for tests and metrics). */
    public static int liveEngines() {
        synchronized (LOCK) {
            return ENGINES.size();
        }
    }

    /**
     * Replaces how engines are created (tests substitute a fake engine); returns the previous factory.
     * Affects only engines created afterwards.
     */
    public static synchronized EngineFactory useFactory(EngineFactory newFactory) {
        EngineFactory previous = factory;
        factory = Objects.requireNonNull(newFactory, "factory");
        return previous;
    }

    private static boolean sameExceptPath(EngineConfig a, EngineConfig b) {
        return a.toBuilder().modelPath(b.modelPath()).build().equals(b);
    }

    private static Path canonical(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t.getMessage(), t);
    }

    /** An engine (loaded or loading) and its reference count (guarded by {@link #LOCK}). */
    static final class Entry {
        private final Key key;
        private final EngineConfig config;
        private final CompletableFuture<InferenceEngine> engine = new CompletableFuture<>();
        private int references;

        private Entry(Key key, EngineConfig config) {
            this.key = key;
            this.config = config;
        }

        /** Run by the first caller, outside the lock: creates the engine, or forgets the entry if that fails. */
        private void load() {
            try {
                awaitPreviousClose();
                InferenceEngine created = factory.create(config);
                engine.complete(created);
                LOG.info("engine for {} created", key);
            } catch (Throwable t) {
                synchronized (LOCK) {
                    ENGINES.remove(key, this);
                }
                engine.completeExceptionally(t);
            }
        }

        private void awaitPreviousClose() throws InterruptedException, ExecutionException {
            CompletableFuture<Void> previous;
            synchronized (LOCK) {
                previous = CLOSING.get(key);
            }
            if (previous != null) {
                LOG.info("waiting for the previous engine for {} to drain before loading it again", key);
                previous.get();
            }
        }

        private void awaitLoaded() {
            try {
                engine.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                release();
                throw new IllegalStateException("interrupted while the engine for " + key + " was loading", e);
            } catch (ExecutionException e) {
                // The loader removed the entry; this caller's reference dies with it.
                throw rethrow(e.getCause());
            }
        }

        InferenceEngine engine() {
            return engine.join();
        }

        EngineConfig config() {
            return config;
        }

        void release() {
            CompletableFuture<Void> closed = null;
            synchronized (LOCK) {
                boolean last = --references == 0;
                // A failed load has no engine to close, and its entry is gone already.
                if (last && ENGINES.remove(key, this) && engine.isDone() && !engine.isCompletedExceptionally()) {
                    closed = new CompletableFuture<>();
                    CLOSING.put(key, closed);
                }
            }
            if (closed != null) {
                LOG.info("last handle of the engine for {} closed; draining", key);
                try {
                    engine.join().close();
                } finally {
                    synchronized (LOCK) {
                        CLOSING.remove(key, closed);
                    }
                    closed.complete(null);
                }
            }
        }
    }
}
