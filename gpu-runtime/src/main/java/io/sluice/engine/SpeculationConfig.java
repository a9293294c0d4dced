package io.sluice.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Speculative decoding: a drafter proposes tokens and the model verifies them all in one step.
 *
 * @param draftModel a second GGUF with the target's vocabulary that drafts tokens, or null
 * @param promptLookup draft by continuing the latest earlier occurrence of the sequence's last n-gram
 * @param maxDraftTokens the most tokens drafted per sequence and step (each sequence adapts below it)
 * @param mode how drafts are verified
 */
public record SpeculationConfig(Path draftModel, boolean promptLookup, int maxDraftTokens, SpecMode mode) {

    /** Four drafted tokens: a step then commits up to five per sequence. */
    public static final int DEFAULT_MAX_DRAFT_TOKENS = 4;

    /** No speculation. */
    public static final SpeculationConfig OFF = new SpeculationConfig(null, false, DEFAULT_MAX_DRAFT_TOKENS,
            SpecMode.EXACT);

    public SpeculationConfig {
        Objects.requireNonNull(mode, "mode");
        if (maxDraftTokens < 1 || maxDraftTokens > 16) {
            throw new IllegalArgumentException("max draft tokens must be in [1, 16], got " + maxDraftTokens);
        }
        if (draftModel != null && promptLookup) {
            throw new IllegalArgumentException("choose one drafter: a draft model or prompt lookup, not both");
        }
    }

    public boolean enabled() {
        return draftModel != null || promptLookup;
    }

    /** How drafted tokens are accepted. */
    public enum SpecMode {
        /**
         * A draft is accepted only when it is the token the model itself picks at that position (argmax, or
         * its own sample from the request's random stream): completions are bit-identical to decoding
         * without speculation.
         */
        EXACT,
        /**
         * Speculative sampling: accept with probability min(1, p/q), else draw from max(0, p - q). The
         * model's distribution exactly, more tokens accepted, but other samples than without speculation.
         */
        REJECTION;

        /** Parses {@code exact} or {@code rejection} (any case). */
        public static SpecMode parse(String s) {
            for (SpecMode m : values()) {
                if (m.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("spec mode must be exact or rejection, got '" + s + "'");
        }
    }
}
