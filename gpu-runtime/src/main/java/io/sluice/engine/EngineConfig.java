package io.sluice.engine;

import io.sluice.kv.KvType;
import io.sluice.tensor.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How to run an engine: the model, the devices it runs on, and the scheduler's and KV cache's limits.
 *
 * @param devices where the model runs: one device ({@link Device#CPU}, or a CUDA GPU whose memory then holds the
 *     KV cache), or several of one kind over which the model's layers are split ({@code LlamaModel.load})
 * @param maxSequences sequences running at once (decoding or prefilling)
 * @param maxBatchTokens token budget of one step: decode rows plus prompt chunks
 * @param kvBlockSize token slots per KV block
 * @param kvCacheBytes KV memory budget in bytes; 0 means {@code kvCacheFraction} of the maximum heap on the
 *     CPU, and on a GPU all the device budget left after the weights and activations
 * @param kvCacheFraction share of the maximum heap for the KV cache when {@code kvCacheBytes} is 0
 * @param kvType how the KV cache stores keys and values: F32, F16 (half the memory) or 8-bit blocks (about a
 *     quarter)
 * @param prefixCaching share full blocks of identical prompt prefixes between sequences
 * @param speculation speculative decoding ({@link SpeculationConfig#OFF} for none)
 */
public record EngineConfig(
        Path modelPath,
        List<Device> devices,
        int maxSequences,
        int maxBatchTokens,
        int kvBlockSize,
        long kvCacheBytes,
        double kvCacheFraction,
        KvType kvType,
        boolean prefixCaching,
        SpeculationConfig speculation) {

    /**
     * The KV type when none is chosen: F32, exact, so that a default greedy run gives the reference
     * implementations' ids (llama2.c's and llama.cpp's golden outputs; F16 rounding changes stories260K's from its
     * 38th token). F16 (llama.cpp's default) halves the memory and the bytes attention reads: the better choice for
     * many sequences or long contexts (see README, KV cache types).
     */
    public static final KvType DEFAULT_KV_TYPE = KvType.F32;

    /**
     * With the devices named as text ({@code cpu}, {@code cuda}, {@code cuda:N}, or a comma-separated list for a
     * layer split) and {@link #DEFAULT_KV_TYPE} or 8-bit KV blocks.
     *
     * @throws IllegalArgumentException when {@code backend} names no device
     */
    public EngineConfig(Path modelPath, String backend, int maxSequences, int maxBatchTokens, int kvBlockSize,
                        long kvCacheBytes, double kvCacheFraction, boolean kv8bit, boolean prefixCaching,
                        SpeculationConfig speculation) {
        this(modelPath, Device.parseList(backend), maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes,
                kvCacheFraction, kv8bit ? KvType.Q8 : DEFAULT_KV_TYPE, prefixCaching, speculation);
    }

    /** Without speculation, the device named as text. */
    public EngineConfig(Path modelPath, String backend, int maxSequences, int maxBatchTokens, int kvBlockSize,
                        long kvCacheBytes, double kvCacheFraction, boolean kv8bit, boolean prefixCaching) {
        this(modelPath, backend, maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes, kvCacheFraction, kv8bit,
                prefixCaching, SpeculationConfig.OFF);
    }

    public EngineConfig {
        Objects.requireNonNull(speculation, "speculation");
        Objects.requireNonNull(modelPath, "modelPath");
        devices = Device.checkList(devices);
        Objects.requireNonNull(kvType, "kvType");
        if (maxSequences <= 0) {
            throw new IllegalArgumentException("maxSequences must be > 0, got " + maxSequences);
        }
        if (maxBatchTokens <= 0) {
            throw new IllegalArgumentException("maxBatchTokens must be > 0, got " + maxBatchTokens);
        }
        if (kvBlockSize <= 0 || kvBlockSize > 4096) {
            throw new IllegalArgumentException("kvBlockSize must be in [1, 4096], got " + kvBlockSize);
        }
        if (kvCacheBytes < 0) {
            throw new IllegalArgumentException("kvCacheBytes must be >= 0, got " + kvCacheBytes);
        }
        if (!(kvCacheFraction > 0 && kvCacheFraction <= 0.9)) {
            throw new IllegalArgumentException("kvCacheFraction must be in (0, 0.9], got " + kvCacheFraction);
        }
    }

    /** The first device: where the embedding runs, the only one unless the layers are split. */
    public Device device() {
        return devices.get(0);
    }

    /** The devices as text ({@code cpu}, {@code cuda:0,cuda:1}), as {@link Device#parseList} reads them back. */
    public String backend() {
        return devices.stream().map(Device::toString).collect(Collectors.joining(","));
    }

    public static Builder builder(Path modelPath) {
        return new Builder(modelPath);
    }

    public Builder toBuilder() {
        return new Builder(modelPath).devices(devices).maxSequences(maxSequences).maxBatchTokens(maxBatchTokens)
                .kvBlockSize(kvBlockSize).kvCacheBytes(kvCacheBytes).kvCacheFraction(kvCacheFraction)
                .kvType(kvType).prefixCaching(prefixCaching).speculation(speculation);
    }

    /**
     * Defaults: cpu, 32 sequences, 512 tokens per step, blocks of 16, a quarter of the heap, {@link #DEFAULT_KV_TYPE}
     * KV, prefix caching on, no speculation.
     */
    public static final class Builder {
        private Path modelPath;
        private List<Device> devices = List.of(Device.CPU);
        private int maxSequences = 32;
        private int maxBatchTokens = 512;
        private int kvBlockSize = 16;
        private long kvCacheBytes = 0;
        private double kvCacheFraction = 0.25;
        private KvType kvType = DEFAULT_KV_TYPE;
        private boolean prefixCaching = true;
        private SpeculationConfig speculation = SpeculationConfig.OFF;

        private Builder(Path modelPath) {
            this.modelPath = modelPath;
        }

        public Builder modelPath(Path v) { this.modelPath = v; return this; }
        public Builder device(Device v) { this.devices = List.of(v); return this; }
        /** Several devices of one kind, in layer order: the model's layers are split over them. */
        public Builder devices(List<Device> v) { this.devices = v; return this; }
        /** The devices as text: {@code cpu}, {@code cuda}, {@code cuda:N} or a list ({@link Device#parseList}). */
        public Builder backend(String v) { this.devices = Device.parseList(v); return this; }
        public Builder maxSequences(int v) { this.maxSequences = v; return this; }
        public Builder maxBatchTokens(int v) { this.maxBatchTokens = v; return this; }
        public Builder kvBlockSize(int v) { this.kvBlockSize = v; return this; }
        public Builder kvCacheBytes(long v) { this.kvCacheBytes = v; return this; }
        public Builder kvCacheFraction(double v) { this.kvCacheFraction = v; return this; }
        public Builder kvType(KvType v) { this.kvType = v; return this; }
        /** 8-bit KV blocks when {@code v}, else {@link #DEFAULT_KV_TYPE}. */
        public Builder kv8bit(boolean v) { this.kvType = v ? KvType.Q8 : DEFAULT_KV_TYPE; return this; }
        public Builder prefixCaching(boolean v) { this.prefixCaching = v; return this; }
        public Builder speculation(SpeculationConfig v) { this.speculation = v; return this; }

        public EngineConfig build() {
            return new EngineConfig(modelPath, devices, maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes,
                    kvCacheFraction, kvType, prefixCaching, speculation);
        }
    }
}
