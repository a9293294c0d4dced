package io.sluice.operators.inference;

import io.sluice.engine.EngineHandle;
import io.sluice.engine.EngineStats;
import io.sluice.engine.InferenceEngine;
import io.sluice.engine.LlamaEngine;
import io.sluice.engine.SharedEngines;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Sluice's own engine, shared by all slots of a TaskManager through {@link SharedEngines}: one copy of the
 * weights and one KV pool per model in the JVM. A device the engine has no backend for is refused (the
 * operator then falls back to the CPU).
 */
public final class SharedEngineProvider implements EngineProvider {
    private static final long serialVersionUID = 1L;

    private final EngineSettings settings;

    public SharedEngineProvider(EngineSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public DevicePreference devicePreference() {
        return settings.devicePreference();
    }

    @Override
    public EngineLease acquire(Device device) {
        EngineHandle handle = SharedEngines.acquire(settings.toConfig(device));
        return new EngineLease() {
            @Override
            public InferenceEngine engine() {
                return handle.engine();
            }

            @Override
            public OptionalDouble kvCacheUsage() {
                if (handle.engine() instanceof LlamaEngine llama) {
                    EngineStats s = llama.stats();
                    return s.kvBlocksTotal() == 0 ? OptionalDouble.empty()
                            : OptionalDouble.of((double) s.kvBlocksUsed() / s.kvBlocksTotal());
                }
                return OptionalDouble.empty();
            }

            @Override
            public OptionalLong prefixCacheHitTokens() {
                if (handle.engine() instanceof LlamaEngine llama) {
                    return OptionalLong.of(llama.stats().prefixCacheHitTokens());
                }
                return OptionalLong.empty();
            }

            @Override
            public java.util.Optional<EngineStats> engineStats() {
                return handle.engine() instanceof LlamaEngine llama ? java.util.Optional.ofNullable(llama.stats())
                        : java.util.Optional.empty();
            }

            @Override
            public void close() {
                handle.close();
            }
        };
    }
}
