package io.sluice.engine;

import io.sluice.tensor.Device;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run an engine: the model, the device it runs on, and the scheduler's and KV cache's limits.
 *
 * @param device where the model runs ({@link Device#CPU}, or a CUDA GPU whose memory then holds the KV cache)
 * @param maxSequences sequences running at once (decoding or prefilling)
 * @param maxBatchTokens token budget of one step: decode rows plus prompt chunks
 * @param kvBlockSize token slots per KV block
 * @param kvCacheBytes KV memory budget in bytes; 0 means {@code kvCacheFraction} of the maximum heap on the
 *     CPU, and on a GPU all the device budget left after the weights and activations
 * @param kvCacheFraction share of the maximum heap for the KV cache when {@code kvCacheBytes} is 0
 * @param kv8bit store keys and values as 8-bit blocks (half the memory of F16, a quarter of F32)
 * @param prefixCaching share full blocks of identical prompt prefixes between sequences
 * @param speculation speculative decoding ({@link SpeculationConfig#OFF} for none)
 */
public record EngineConfig(
        Path modelPath,
        Device device,
        int maxSequences,
        int maxBatchTokens,
        int kvBlockSize,
        long kvCacheBytes,
        double kvCacheFraction,
        boolean kv8bit,
        boolean prefixCaching,
        SpeculationConfig speculation) {

    /**
     * With the device named as text ({@code cpu}, {@code cuda}, {@code cuda:N}).
     *
     * @throws IllegalArgumentException when {@code backend} names no device
     */
    public EngineConfig(Path modelPath, String backend, int maxSequences, int maxBatchTokens, int kvBlockSize,
                        long kvCacheBytes, double kvCacheFraction, boolean kv8bit, boolean prefixCaching,
                        SpeculationConfig speculation) {
        this(modelPath, Device.parse(backend), maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes,
                kvCacheFraction, kv8bit, prefixCaching, speculation);
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
        Objects.requireNonNull(device, "device");
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

    /** The device as text ({@code cpu}, {@code cuda:N}), as {@link Device#parse} reads it back. */
    public String backend() {
        return device.toString();
    }

    public static Builder builder(Path modelPath) {
        return new Builder(modelPath);
    }

    public Builder toBuilder() {
        return new Builder(modelPath).device(device).maxSequences(maxSequences).maxBatchTokens(maxBatchTokens)
                .kvBlockSize(kvBlockSize).kvCacheBytes(kvCacheBytes).kvCacheFraction(kvCacheFraction)
                .kv8bit(kv8bit).prefixCaching(prefixCaching).speculation(speculation);
    }

    /**
     * Defaults: cpu, 32 sequences, 512 tokens per step, blocks of 16, a quarter of the heap, F32 KV, prefix
     * caching on, no speculation.
     */
    public static final class Builder {
        private Path modelPath;
        private Device device = Device.CPU;
        private int maxSequences = 32;
        private int maxBatchTokens = 512;
        private int kvBlockSize = 16;
        private long kvCacheBytes = 0;
        private double kvCacheFraction = 0.25;
        private boolean kv8bit = false;
        private boolean prefixCaching = true;
        private SpeculationConfig speculation = SpeculationConfig.OFF;

        private Builder(Path modelPath) {
            this.modelPath = modelPath;
        }

        public Builder modelPath(Path v) { this.modelPath = v; return this; }
        public Builder device(Device v) { this.device = v; return this; }
        /** The device as text: {@code cpu}, {@code cuda}, {@code cuda:N} ({@link Device#parse}). */
        public Builder backend(String v) { this.device = Device.parse(v); return this; }
        public Builder maxSequences(int v) { this.maxSequences = v; return this; }
        public Builder maxBatchTokens(int v) { this.maxBatchTokens = v; return this; }
        public Builder kvBlockSize(int v) { this.kvBlockSize = v; return this; }
        public Builder kvCacheBytes(long v) { this.kvCacheBytes = v; return this; }
        public Builder kvCacheFraction(double v) { this.kvCacheFraction = v; return this; }
        public Builder kv8bit(boolean v) { this.kv8bit = v; return this; }
        public Builder prefixCaching(boolean v) { this.prefixCaching = v; return this; }
        public Builder speculation(SpeculationConfig v) { this.speculation = v; return this; }

        public EngineConfig build() {
            return new EngineConfig(modelPath, device, maxSequences, maxBatchTokens, kvBlockSize, kvCacheBytes,
                    kvCacheFraction, kv8bit, prefixCaching, speculation);
        }
    }
}
