package io.sluice.spec;

/**
 * How many tokens to draft for one sequence, from its recent acceptance: one more than were accepted last
 * time (up to the maximum), and none for a while after repeated total rejections, then a probe of one.
 * Also keeps the sequence's acceptance rate per drafted token (a moving average) for the step's cost policy.
 */
public final class DraftLength {

    static final int MISSES_BEFORE_PAUSE = 3;
    static final int PAUSE_STEPS = 8;

    private final int max;
    private int next;
    private int misses;
    private int paused;
    private double rate = 0.5;

    public DraftLength(int max) {
        this.max = max;
        this.next = max;
    }

    /** Drafts to propose this step (0 while paused). */
    public int next() {
        return paused > 0 ? 0 : next;
    }

    /** A step passed without drafting for this sequence. */
    public void skipped() {
        if (paused > 0) {
            paused--;
        }
    }

    public void observe(int drafted, int accepted) {
        if (drafted == 0) {
            skipped();
            return;
        }
        rate = 0.7 * rate + 0.3 * ((double) accepted / drafted);
        if (accepted == 0) {
            if (++misses >= MISSES_BEFORE_PAUSE) {
                paused = PAUSE_STEPS;
                misses = 0;
            }
            next = 1;
        } else {
            misses = 0;
            next = Math.min(max, accepted + 1);
        }
    }

    /** The expected number of drafts accepted out of {@code k}, at the recent per-token rate. */
    public double expectedAccepted(int k) {
        double e = 0;
        double pr = 1;
        for (int i = 0; i < k; i++) {
            pr *= rate;
            e += pr;
        }
        return e;
    }
}
