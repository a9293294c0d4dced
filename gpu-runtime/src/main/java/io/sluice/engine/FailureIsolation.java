package io.sluice.engine;

import java.util.Arrays;

/**
 * Which sequences make a failed forward pass fail. The pass's sequences run again in contiguous halves, down to
 * single sequences: a group that succeeds is done, a group that fails is split again, a single sequence that
 * fails alone is isolated. When one half succeeds, the other is known to fail and is split without running it.
 * Rows are batch-invariant, so a group that succeeds gives each of its sequences the logits the whole pass
 * would have given; and a pass commits nothing (it only writes K/V at positions its sequences have not
 * computed yet, which the retry writes again with the same values), so failed tries leave no trace.
 *
 * <p>The work is bounded: at most {@link #maxFailingPasses} passes fail, 2 ⌈log₂ n⌉ + 1, enough to isolate two
 * failing sequences anywhere in the step; the last of them ends the search. When the search ends with sequences
 * unresolved, or no pass succeeds at all (every sequence fails alone), the failure is not per-request:
 * {@link #systemic()}.
 */
final class FailureIsolation {

    /** Runs the forward pass of the step's sequences [from, to); returns their logits or throws. */
    @FunctionalInterface
    interface Pass {
        float[] run(int from, int to);
    }

    private final Pass pass;
    /** Per sequence: the logits of the group it succeeded in, or null. */
    private final float[][] logits;
    /** Per sequence: why it failed alone, or null. */
    private final RuntimeException[] causes;
    private int failuresLeft;
    private boolean stopped;
    private int passes;
    private boolean anySucceeded;

    private FailureIsolation(int sequences, Pass pass) {
        this.pass = pass;
        this.logits = new float[sequences][];
        this.causes = new RuntimeException[sequences];
        this.failuresLeft = maxFailingPasses(sequences);
    }

    /**
     * Isolates the failure {@code cause} of a pass over {@code sequences} sequences by running {@code pass} on
     * parts of them. A pass of one sequence is isolated already: nothing runs again.
     */
    static FailureIsolation isolate(int sequences, RuntimeException cause, Pass pass) {
        FailureIsolation f = new FailureIsolation(sequences, pass);
        if (sequences == 1) {
            f.causes[0] = cause;
        } else {
            f.split(0, sequences);
        }
        return f;
    }

    /** The most passes that fail while isolating a step of {@code sequences} sequences: 2 ⌈log₂ n⌉ + 1. */
    static int maxFailingPasses(int sequences) {
        int depth = 32 - Integer.numberOfLeadingZeros(Math.max(1, sequences) - 1);
        return 2 * depth + 1;
    }

    /** [from, to), more than one sequence, fails: tries its halves. */
    private void split(int from, int to) {
        int mid = (from + to) >>> 1;
        if (run(from, mid)) {
            failsFor(mid, to);
        } else {
            run(mid, to);
        }
    }

    /** [from, to) is known to fail (its sibling succeeded): a single sequence still runs, to get its cause. */
    private void failsFor(int from, int to) {
        if (to - from == 1) {
            run(from, to);
        } else {
            split(from, to);
        }
    }

    /** Runs [from, to) unless the search ended; on failure isolates or splits further. Returns success. */
    private boolean run(int from, int to) {
        if (stopped) {
            return false; // left unresolved
        }
        passes++;
        try {
            float[] l = pass.run(from, to);
            Arrays.fill(logits, from, to, l);
            anySucceeded = true;
            return true;
        } catch (RuntimeException e) {
            if (--failuresLeft == 0) {
                stopped = true; // the budget is spent: what is not resolved stays so
                return false;
            }
            if (to - from == 1) {
                causes[from] = e;
            } else {
                split(from, to);
            }
            return false;
        }
    }

    /** The logits of sequence {@code i}'s successful group (rows as that group's pass numbered them), or null. */
    float[] logits(int i) {
        return logits[i];
    }

    /** Why sequence {@code i} failed alone, or null (it succeeded, or was left unresolved). */
    RuntimeException cause(int i) {
        return causes[i];
    }

    /**
     * The failure is not per-request: the budget ran out before every sequence was resolved, or no pass
     * succeeded (every sequence that ran alone failed).
     */
    boolean systemic() {
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == null && causes[i] == null) {
                return true;
            }
        }
        return passes > 0 && !anySucceeded;
    }

    /** Passes run again. */
    int passes() {
        return passes;
    }
}
