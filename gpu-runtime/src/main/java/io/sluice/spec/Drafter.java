package io.sluice.spec;

import java.util.List;

/**
 * Proposes tokens that the model then verifies. Called on the scheduler's thread only.
 */
public interface Drafter extends AutoCloseable {

    /** Fills each job's proposal (possibly empty); jobs with {@code maxDrafts} 0 only keep the drafter in step. */
    void propose(List<DraftJob> jobs);

    /** Positions [0, validTokens) of the sequence are final; anything the drafter computed after is void. */
    void rollback(long key, int validTokens);

    /** Forgets a sequence (finished, preempted or cancelled) and frees what the drafter held for it. */
    void release(long key);

    /** Time the last {@link #propose} spent, in nanoseconds (the scheduler weighs it against the gain). */
    long lastProposeNanos();

    /** A short name for logs and statistics. */
    String name();

    @Override
    void close();
}
