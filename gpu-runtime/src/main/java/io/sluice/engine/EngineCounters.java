package io.sluice.engine;

/** The engine's running totals; written by the scheduler's thread only, published as {@link EngineStats}. */
final class EngineCounters {

    long steps;
    long rows;
    long busyNanos;
    long promptTokens;
    long cachedPromptTokens;
    long generatedTokens;
    long completedRequests;
    long preemptions;
    int peakUsedBlocks;
    /** Times a sequence committed tokens after a step (once per sequence and step). */
    long sampledSlots;
    long draftedTokens;
    long acceptedTokens;

    void stepDone(int batchRows, long nanos) {
        steps++;
        rows += batchRows;
        busyNanos += nanos;
    }

    void promptLookedUp(int promptLength, int cached) {
        promptTokens += promptLength;
        cachedPromptTokens += cached;
    }

    void generated() {
        generatedTokens++;
    }

    void sampledSlot() {
        sampledSlots++;
    }

    void verified(int drafted, int accepted) {
        draftedTokens += drafted;
        acceptedTokens += accepted;
    }

    void completed() {
        completedRequests++;
    }

    void preempted() {
        preemptions++;
    }

    void observeBlocks(int used) {
        peakUsedBlocks = Math.max(peakUsedBlocks, used);
    }
}
