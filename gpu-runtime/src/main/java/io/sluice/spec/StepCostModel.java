package io.sluice.spec;

/**
 * The measured cost of a model step as a function of its rows, t(rows) = a + b·rows, and of one drafting
 * pass as a function of the sequences drafting, both fitted by least squares over recent steps (older ones
 * fade). Decode reads every weight once per step whatever the rows (a), while arithmetic grows with rows
 * (b): speculation pays while the batch is memory-bound and stops paying once b·rows dominates.
 * {@link #bestCap} compares committed tokens per second with and without drafts, the drafter's time
 * included.
 */
public final class StepCostModel {

    private static final double DECAY = 0.95;
    /** Steps to observe before the fit is trusted; until then one draft probes (and provides the spread). */
    private static final int WARM_UP = 4;
    /** Drafting rounds to observe before the drafter's cost is trusted (the first ones include JIT compiling). */
    static final int DRAFT_WARM_UP = 8;
    /** Sequences that draft in a probe: enough to measure, too few to slow a large batch. */
    public static final int PROBE_SEQUENCES = 2;

    /** Steps without drafts after which one draft probes whether the costs changed. */
    static final int PROBE_INTERVAL = 16;

    private final LinearFit step = new LinearFit(DECAY);
    private int stepsWithoutDrafts;
    private boolean probing;
    private final LinearFit draftPass = new LinearFit(DECAY);

    /** Records a model step of {@code rows} rows that took {@code nanos}. */
    public void observeStep(int rows, long nanos) {
        step.observe(rows, nanos);
    }

    /** Records a drafting round for {@code sequences} sequences of {@code passes} passes that took {@code nanos}. */
    public void observeDraft(int sequences, int passes, long nanos) {
        if (passes > 0) {
            draftPass.observe(sequences, (double) nanos / passes);
        }
    }

    /** Whether the last {@link #bestCap} is a probe: then only {@link #PROBE_SEQUENCES} sequences draft. */
    public boolean probing() {
        return probing;
    }

    /** Per-step cost a (nanoseconds) or NaN while the fit is not determined. */
    double fixedNanos() {
        double[] f = step.fit(WARM_UP);
        return f == null ? Double.NaN : f[0];
    }

    /** Per-row cost b (nanoseconds) or NaN while the fit is not determined. */
    double perRowNanos() {
        double[] f = step.fit(WARM_UP);
        return f == null ? Double.NaN : f[1];
    }

    /**
     * The draft cap (0 .. {@code drafts.length}) that commits the most tokens per second in a step of
     * {@code rows} rows committing {@code tokens} tokens without drafts, where a cap of K adds
     * {@code drafts[K - 1]} drafted rows expected to add {@code expected[K - 1]} tokens and costs K drafting
     * passes over {@code sequences} sequences. Until both costs are measured: a probe of one draft, which
     * measures them at little risk.
     */
    public int bestCap(int rows, int tokens, int sequences, int[] drafts, double[] expected) {
        double[] f = step.fit(WARM_UP);
        if (f == null || draftPass.seen() < DRAFT_WARM_UP) {
            probing = true;
            return Math.min(1, drafts.length);
        }
        probing = false;
        double pass = draftPass.predict(sequences, WARM_UP);
        double best = tokens / (f[0] + f[1] * rows);
        int cap = 0;
        for (int k = 1; k <= drafts.length; k++) {
            double t = f[0] + f[1] * (rows + drafts[k - 1]) + pass * k;
            double rate = (tokens + expected[k - 1]) / t;
            if (rate > best) {
                best = rate;
                cap = k;
            }
        }
        if (cap > 0) {
            stepsWithoutDrafts = 0;
        } else if (++stepsWithoutDrafts >= PROBE_INTERVAL) {
            // costs drift (other load, the JIT): a single draft now and then keeps the drafter's cost current
            stepsWithoutDrafts = 0;
            probing = true;
            return 1;
        }
        return cap;
    }
}
