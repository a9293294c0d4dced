package io.sluice.engine;

import io.sluice.sampling.SamplingScratch;
import io.sluice.spec.DraftJob;
import io.sluice.spec.DraftLength;
import io.sluice.spec.Drafter;
import io.sluice.spec.RejectionSampling;
import io.sluice.spec.StepCostModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's speculative decoding: which decoding sequences draft how many tokens this step (their
 * adaptive draft length, the budget, KV room, and the measured step costs, which switch speculation off
 * while the batch is compute-bound), the drafter's call, and the choice of each verified token (exact or
 * rejection mode). A drafter that fails at run time turns speculation off for the engine; requests go on.
 */
final class Speculation {

    private static final Logger LOG = LoggerFactory.getLogger(Speculation.class);

    private final Drafter drafter;
    private final SpeculationConfig.SpecMode mode;
    private final int maxDraftTokens;
    private final StepCostModel cost = new StepCostModel();
    private final EngineCounters counters;
    /**
     * System property {@value}: {@code always} drafts the adaptive length every step in exact mode too, instead
     * of asking the measured cost model; outputs are the same either way. For tests that must see drafts
     * whatever the machine's timing, and for measuring speculation without the policy.
     */
    static final String POLICY_PROPERTY = "sluice.speculation.policy";
    private final boolean alwaysDraft;
    private boolean disabled;

    Speculation(Drafter drafter, SpeculationConfig config, EngineCounters counters) {
        this.drafter = drafter;
        this.mode = config.mode();
        this.maxDraftTokens = config.maxDraftTokens();
        this.counters = counters;
        this.alwaysDraft = "always".equals(System.getProperty(POLICY_PROPERTY));
    }

    boolean enabled() {
        return !disabled;
    }

    Drafter drafter() {
        return drafter;
    }

    /**
     * Adds drafts to the decoding slices, from the step's remaining {@code budget}; {@code reserve} makes KV
     * room for up to n drafts of a sequence and says how many fit.
     */
    void draft(List<Scheduler.Slice> slices, int budget, BiFunction<Sequence, Integer, Integer> reserve) {
        List<Scheduler.Slice> candidates = new ArrayList<>();
        int rows = 0;
        int sampling = 0;
        for (Scheduler.Slice sl : slices) {
            rows += sl.count;
            if (sl.samples()) {
                sampling++;
            }
            Sequence s = sl.seq;
            if (s.request.speculate() && sl.count == 1 && sl.from == s.length() - 1) {
                if (s.draftLength(maxDraftTokens).next() > 0) {
                    candidates.add(sl);
                } else {
                    s.draftLength(maxDraftTokens).skipped();
                }
            }
        }
        // no one to draft for: the drafter still runs this step's prompt chunks alongside the model
        int cap = candidates.isEmpty() ? 0
                : exactMode() && !alwaysDraft ? cap(candidates, rows, sampling, budget) : maxDraftTokens;
        if (cap == 0 && !candidates.isEmpty()) {
            return; // compute-bound: neither drafts nor the drafter's prefill this step
        }
        if (exactMode() && !alwaysDraft && cost.probing() && candidates.size() > StepCostModel.PROBE_SEQUENCES) {
            candidates = candidates.subList(0, StepCostModel.PROBE_SEQUENCES);
        }
        boolean exact = exactMode();
        List<DraftJob> jobs = new ArrayList<>();
        List<Scheduler.Slice> placed = new ArrayList<>();
        int left = budget;
        for (Scheduler.Slice sl : candidates) {
            Sequence s = sl.seq;
            int k = reserve.apply(s, Math.min(Math.min(cap, s.draftLength(maxDraftTokens).next()), left));
            if (k <= 0) {
                continue;
            }
            left -= k;
            jobs.add(new DraftJob(s.serial, s.tokensView(), s.length(), k, s.sampler, s.generatedCount(), exact));
            placed.add(sl);
        }
        for (Scheduler.Slice sl : slices) {
            Sequence s = sl.seq;
            if (s.request.speculate() && sl.from < s.promptLength && !placed.contains(sl)) {
                // a prompt chunk: the drafter's prefill runs alongside the model's (decoded tokens it catches
                // up on when the sequence next drafts)
                jobs.add(new DraftJob(s.serial, s.tokensView(), Math.min(sl.from + sl.count, s.length()), 0,
                        s.sampler, 0, exact));
            }
        }
        if (jobs.isEmpty()) {
            return;
        }
        try {
            drafter.propose(jobs);
        } catch (RuntimeException e) {
            LOG.error("the drafter ({}) failed; speculative decoding is off for this engine from now on",
                    drafter.name(), e);
            disabled = true;
            drafter.close();
            return;
        }
        int passes = 0;
        int drafting = 0;
        for (int i = 0; i < placed.size(); i++) {
            DraftJob job = jobs.get(i);
            Scheduler.Slice sl = placed.get(i);
            Sequence s = sl.seq;
            if (job.count() == 0) {
                s.draftLength(maxDraftTokens).skipped();
                continue;
            }
            s.setDrafts(job.drafts(), job.count());
            s.draftProbabilities = exact ? null : probabilities(job);
            sl.count += job.count();
            passes = Math.max(passes, job.count());
            drafting++;
        }
        cost.observeDraft(drafting, passes, drafter.lastProposeNanos());
    }

    private boolean exactMode() {
        return mode == SpeculationConfig.SpecMode.EXACT;
    }

    /**
     * The measured policy (exact mode): the largest number of drafts per sequence worth verifying this step,
     * 0 when the batch is compute-bound. Rejection mode always drafts its adaptive length, so that its
     * samples depend on the sequence alone, not on timing.
     */
    private int cap(List<Scheduler.Slice> candidates, int rows, int sampling, int budget) {
        int[] drafts = new int[maxDraftTokens];
        double[] expected = new double[maxDraftTokens];
        for (int k = 1; k <= maxDraftTokens; k++) {
            int total = 0;
            double e = 0;
            for (Scheduler.Slice sl : candidates) {
                DraftLength dl = sl.seq.draftLength(maxDraftTokens);
                int n = Math.min(k, dl.next());
                total += n;
                e += dl.expectedAccepted(n);
            }
            drafts[k - 1] = Math.min(total, budget);
            expected[k - 1] = e * Math.min(1.0, (double) budget / Math.max(1, total));
        }
        return cost.bestCap(rows, sampling, candidates.size(), drafts, expected);
    }

    private static double[][] probabilities(DraftJob job) {
        if (job.draftProbabilities(0) == null) {
            return null;
        }
        double[][] q = new double[job.count()][];
        for (int i = 0; i < q.length; i++) {
            q[i] = job.draftProbabilities(i);
        }
        return q;
    }

    void observeStep(int rows, long nanos) {
        cost.observeStep(rows, nanos);
    }

    /** The token to commit where draft number {@code j} of the sequence is {@code draft}. */
    int choose(Sequence s, float[] logits, int offset, SamplingScratch scratch, int j, int draft) {
        long index = s.generatedCount();
        if (mode == SpeculationConfig.SpecMode.EXACT) {
            return s.sampler.sampleAt(logits, offset, scratch, index);
        }
        double[] p = s.sampler.distribution(logits, offset, scratch);
        double[] q = s.draftProbabilities == null ? null : s.draftProbabilities[j];
        return RejectionSampling.choose(p, q, draft, s.sampler.params().seed(), index);
    }

    /** After verification: adapt the sequence's draft length, count, and void the drafter's rejected work. */
    void verified(Sequence s, int drafted, int accepted) {
        s.draftLength(maxDraftTokens).observe(drafted, accepted);
        s.draftProbabilities = null;
        counters.verified(drafted, accepted);
        if (!disabled) {
            drafter.rollback(s.serial, Math.min(s.computed, s.length()));
        }
    }

    void release(Sequence s) {
        if (!disabled) {
            drafter.release(s.serial);
        }
    }

    void close() {
        if (!disabled) {
            drafter.close();
        }
    }
}
