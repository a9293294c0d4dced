package io.sluice.engine;

import io.sluice.tensor.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine per model and device per JVM, shared by every caller in the process (several Flink task slots
 * in one TaskManager share one copy of the weights and one KV pool; slots on different GPUs get one each). {@link #acquire} returns a reference-counted
 * {@link EngineHandle}; the engine is created by the first acquire of a model and closed, after draining,
 * when its last handle is closed. Later callers get the engine as the first one configured it.
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

    private static final Map<Key, Entry> ENGINES = new HashMap<>();
    private static EngineFactory factory = LlamaEngine::open;

    private SharedEngines() {
    }

    /** The shared engine of the configuration's model, created if this is its first user. */
    public static EngineHandle acquire(EngineConfig config) {
        Objects.requireNonNull(config, "config");
        Key key = new Key(canonical(config.modelPath()), config.devices());
        Entry entry;
        synchronized (SharedEngines.class) {
            entry = ENGINES.get(key);
            if (entry == null) {
                entry = new Entry(key, config, factory.create(config));
                ENGINES.put(key, entry);
                LOG.info("engine for {} created", key);
            } else if (!sameExceptPath(entry.config, config)) {
                LOG.warn("engine for {} already exists with {}; ignoring the differing {}", key, entry.config, config);
            }
            entry.references++;
        }
        return new EngineHandle(entry);
    }

    /** How many engines are alive (for tests and metrics). */
    public static synchronized int liveEngines() {
        return ENGINES.size();
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

    /** A live engine and its reference count (guarded by the class lock). */
    static final class Entry {
        private final Key key;
        private final EngineConfig config;
        private final InferenceEngine engine;
        private int references;

        private Entry(Key key, EngineConfig config, InferenceEngine engine) {
            this.key = key;
            this.config = config;
            this.engine = engine;
        }

        InferenceEngine engine() {
            return engine;
        }

        EngineConfig config() {
            return config;
        }

        void release() {
            boolean last;
            synchronized (SharedEngines.class) {
                last = --references == 0;
                if (last) {
                    ENGINES.remove(key, this);
                }
            }
            if (last) {
                LOG.info("last handle of the engine for {} closed; draining", key);
                engine.close();
            }
        }
    }
}
