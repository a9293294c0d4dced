package io.sluice.operators.inference;

import io.sluice.engine.InferenceEngine;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** An engine held by one inference subtask; {@link #close()} gives it back (shared engines stay up for others). */
public interface EngineLease extends AutoCloseable {

    InferenceEngine engine();

    /** Fraction of the KV cache in use, when the engine tells. */
    default OptionalDouble kvCacheUsage() {
        return OptionalDouble.empty();
    }

    /** Prompt tokens served from the prefix cache so far, when the engine tells. */
    default OptionalLong prefixCacheHitTokens() {
        return OptionalLong.empty();
    }

    /** The engine's statistics (speculative decoding among them), when the engine tells. */
    default java.util.Optional<io.sluice.engine.EngineStats> engineStats() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
