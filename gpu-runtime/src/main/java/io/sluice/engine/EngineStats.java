package io.sluice.engine;

/**
 * A snapshot of an engine's state and counters since it started.
 *
 * @param kvBlocksUsed blocks referenced by sequences; cached blocks nobody references count as free
 * @param kvBytesPeak the most KV memory sequences held at once (used blocks times block bytes)
 * @param prefixCacheHitRate share of looked-up prompt tokens served from the prefix cache
 * @param tokensPerSecond generated tokens per second of time spent in steps
 * @param draftedTokens tokens proposed by the speculative drafter and verified
 * @param acceptedTokens drafted tokens the model accepted
 * @param acceptanceRate accepted ÷ drafted (0 before any draft)
 * @param tokensPerStep tokens committed per sequence and step that sampled (1 without speculation)
 */
public record EngineStats(
        int runningSequences,
        int waitingSequences,
        int kvBlocksUsed,
        int kvBlocksFree,
        int kvBlocksTotal,
        int kvBlockSize,
        long kvBytesPerBlock,
        long kvBytesPeak,
        double prefixCacheHitRate,
        long prefixCacheHitTokens,
        long promptTokens,
        long generatedTokens,
        long completedRequests,
        long steps,
        long preemptions,
        double busySeconds,
        double tokensPerSecond,
        long draftedTokens,
        long acceptedTokens,
        double acceptanceRate,
        double tokensPerStep) {
}
