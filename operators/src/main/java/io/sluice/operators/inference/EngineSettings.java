package io.sluice.operators.inference;

import io.sluice.engine.EngineConfig;
import io.sluice.engine.SpeculationConfig;
import io.sluice.kv.KvType;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The engine's configuration as it travels with the job graph (a path string instead of a {@link Path}):
 * the model file as seen by the TaskManagers, where it runs ({@link DevicePreference}: {@code model.device}),
 * and the scheduler's and KV cache's limits.
 */
public record EngineSettings(
        String modelPath,
        int maxSequences,
        int maxBatchTokens,
        int kvBlockSize,
        long kvCacheBytes,
        double kvCacheFraction,
        KvType kvType,
        boolean prefixCaching,
        String draftPath,
        boolean promptLookup,
        int maxDraftTokens,
        String specMode,
        String device) implements Serializable {

    /** On the GPU the slot claims, else the CPU ({@code auto}). */
    public EngineSettings(String modelPath, int maxSequences, int maxBatchTokens, int kvBlockSize, long kvCacheBytes,
                          double kvCacheFraction, boolean kv8bit, boolean prefixCaching, String draftPath,
                          boolean promptLookup, int maxDraftTokens, String specMode) {
        this(modelPath, maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes, kvCacheFraction,
                kv8bit ? KvType.Q8 : KvType.F32, prefixCaching, draftPath, promptLookup, maxDraftTokens, specMode,
                DevicePreference.AUTO.toString());
    }

    /** Without speculative decoding. */
    public EngineSettings(String modelPath, int maxSequences, int maxBatchTokens, int kvBlockSize, long kvCacheBytes,
                          double kvCacheFraction, boolean kv8bit, boolean prefixCaching) {
        this(modelPath, maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes, kvCacheFraction, kv8bit, prefixCaching,
                null, false, SpeculationConfig.DEFAULT_MAX_DRAFT_TOKENS, "exact");
    }

    public EngineSettings {
        Objects.requireNonNull(modelPath, "modelPath");
        Objects.requireNonNull(kvType, "kvType");
        DevicePreference.parse(device);
        // Fails early, in the client, on limits the engine would refuse.
        config(modelPath, List.of(io.sluice.tensor.Device.CPU), maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes,
                kvCacheFraction, kvType, prefixCaching)
                .speculation(speculation(draftPath, promptLookup, maxDraftTokens, specMode)).build();
    }

    private static SpeculationConfig speculation(String draftPath, boolean promptLookup, int maxDraftTokens,
                                                 String specMode) {
        SpeculationConfig.SpecMode mode = SpeculationConfig.SpecMode.parse(specMode);
        if (draftPath == null && !promptLookup) {
            return SpeculationConfig.OFF;
        }
        return new SpeculationConfig(draftPath == null ? null : Path.of(draftPath), promptLookup, maxDraftTokens,
                mode);
    }

    /** The engine's own defaults for this model. */
    public static EngineSettings defaults(String modelPath) {
        EngineConfig c = EngineConfig.builder(Path.of(modelPath)).build();
        return new EngineSettings(modelPath, c.maxSequences(), c.maxBatchTokens(), c.kvBlockSize(), c.kvCacheBytes(),
                c.kvCacheFraction(), c.kvType(), c.prefixCaching(), null, false,
                SpeculationConfig.DEFAULT_MAX_DRAFT_TOKENS, "exact", DevicePreference.AUTO.toString());
    }

    /** Where the job wants its engines ({@code model.device}). */
    public DevicePreference devicePreference() {
        return DevicePreference.parse(device);
    }

    /**
     * The engine configuration on a device: the CPU, or CUDA device N for GPU N (with the other GPUs of a pinned
     * split, {@link DevicePreference#gpus}).
     */
    public EngineConfig toConfig(Device device) {
        List<io.sluice.tensor.Device> devices = device.isGpu()
                ? devicePreference().gpus(device).stream().map(io.sluice.tensor.Device::cuda).toList()
                : List.of(io.sluice.tensor.Device.CPU);
        return config(modelPath, devices, maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes, kvCacheFraction,
                kvType, prefixCaching).speculation(speculation(draftPath, promptLookup, maxDraftTokens, specMode)).build();
    }

    private static EngineConfig.Builder config(String modelPath, List<io.sluice.tensor.Device> devices,
                                               int maxSequences, int maxBatchTokens, int kvBlockSize,
                                               long kvCacheBytes, double kvCacheFraction, KvType kvType,
                                               boolean prefixCaching) {
        return EngineConfig.builder(Path.of(modelPath)).devices(devices).maxSequences(maxSequences)
                .maxBatchTokens(maxBatchTokens).kvBlockSize(kvBlockSize).kvCacheBytes(kvCacheBytes)
                .kvCacheFraction(kvCacheFraction).kvType(kvType).prefixCaching(prefixCaching);
    }
}
