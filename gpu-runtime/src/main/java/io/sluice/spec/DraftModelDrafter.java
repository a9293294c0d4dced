package io.sluice.spec;

import io.sluice.kv.BlockAllocator;
import io.sluice.kv.BlockTable;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.Sampler;
import io.sluice.sampling.SamplingScratch;
import io.sluice.sampling.SeededRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Drafts with a smaller model of the same vocabulary. It keeps its own paged KV cache per sequence and runs,
 * per step, one batched pass that catches up with every sequence's new tokens (prompt chunks alongside the
 * model's prefill, accepted tokens of the last step) and yields the first proposals, then one batched pass
 * per further proposed token. Proposals are sampled with the request's parameters; in exact mode with the
 * random numbers the model will use at the same positions, so the two agree whenever their distributions
 * are close.
 */
public final class DraftModelDrafter implements Drafter {

    /** Stream of the drafter's own draws in rejection mode (independent of the model's acceptance draws). */
    static final long DRAFT_STREAM = 3;

    private final LlamaModel model;
    private final boolean ownsModel;
    private final KvCacheStorage kv;
    private final BlockAllocator allocator;
    private final int vocab;
    private final int context;
    private final Map<Long, State> states = new HashMap<>();
    private final ForwardBatch batch = new ForwardBatch();
    private final SamplingScratch scratch = new SamplingScratch();
    /** The last pass's logits array, reused by the next pass (a pass's logits are used up before the next). */
    private float[] logits;
    /** The jobs still drafting in this pass and in the next: two lists swapped pass after pass. */
    private List<Placed> active = new ArrayList<>();
    private List<Placed> next = new ArrayList<>();
    /** Placements reused round after round: the first {@link #placedUsed} are this round's. */
    private final List<Placed> placedPool = new ArrayList<>();
    private int placedUsed;
    private long lastNanos;

    /** The draft's K/V of one sequence: positions [0, computed) are valid. */
    private static final class State {
        final BlockTable table;
        int computed;

        State(int blockSize) {
            table = new BlockTable(blockSize);
        }
    }

    /** A drafting job in a round: its state, its sampler, its block table and its logit row in the current pass. */
    private static final class Placed {
        DraftJob job;
        State state;
        Sampler sampler;
        int[] blocks;
        int logitRow;
    }

    public DraftModelDrafter(LlamaModel model, boolean ownsModel, int blocks, int blockSize, KvType kvType) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.kv = model.newKvStorage(blocks, blockSize, kvType);
        this.allocator = new BlockAllocator(blocks);
        this.vocab = model.config().vocabSize();
        this.context = model.config().contextLength();
    }

    public LlamaModel model() {
        return model;
    }

    public long kvBytes() {
        return kv.bytes();
    }

    /** Blocks held for sequences now (for leak checks). */
    public int usedBlocks() {
        return allocator.usedBlocks();
    }

    @Override
    public void propose(List<DraftJob> jobs) {
        long t0 = System.nanoTime();
        try {
            run(jobs);
        } finally {
            lastNanos = System.nanoTime() - t0;
        }
    }

    private void run(List<DraftJob> jobs) {
        batch.clear();
        active.clear();
        placedUsed = 0;
        int logitRow = 0;
        for (DraftJob job : jobs) {
            State st = states.get(job.key);
            if (st == null) {
                st = new State(kv.blockSize());
                states.put(job.key, st);
            }
            if (st.computed > job.known) {
                st.computed = job.known; // the model's rollback reached further back than ours
            }
            int drafts = Math.min(job.maxDrafts, context - job.known);
            // K/V for the catch-up rows and for the proposals fed back (all but the last)
            int needed = job.known + Math.max(0, drafts - 1);
            if (!st.table.ensureCapacity(needed, allocator)) {
                release(job.key); // no room this step: start over later rather than take the model's memory
                continue;
            }
            if (st.computed == job.known && drafts > 0) {
                // nothing new to run, yet a proposal needs the last token's logits: recompute that position
                st.computed--;
            }
            // the table holds every block of this round from here on (ensureCapacity above)
            int[] blocks = st.table.toArray();
            for (int p = st.computed; p < job.known; p++) {
                boolean wants = drafts > 0 && p == job.known - 1;
                batch.add(job.tokens[p], p, blocks, wants);
            }
            st.computed = job.known;
            if (drafts > 0) {
                active.add(place(job, st, job.sampler.copy(), blocks, logitRow++));
                if (!job.exact) {
                    job.draftProbabilities = new double[drafts][];
                }
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        logits = model.forward(batch, kv, logits);
        while (!active.isEmpty()) {
            next.clear();
            batch.clear();
            int row = 0;
            for (Placed pl : active) {
                DraftJob job = pl.job;
                int token = draw(pl, logits, pl.logitRow * vocab);
                job.drafts[job.count++] = token;
                pl.sampler.accept(token);
                int limit = Math.min(job.maxDrafts, context - job.known);
                if (job.count < limit) {
                    int p = job.known + job.count - 1;
                    batch.add(token, p, pl.blocks, true);
                    pl.state.computed = p + 1;
                    pl.logitRow = row++;
                    next.add(pl);
                }
            }
            if (next.isEmpty()) {
                break;
            }
            logits = model.forward(batch, kv, logits);
            List<Placed> done = active;
            active = next;
            next = done;
        }
        active.clear();
        next.clear();
        for (int i = 0; i < placedUsed; i++) {
            Placed pl = placedPool.get(i);
            pl.job = null; // no request outlives its round here
            pl.state = null;
            pl.sampler = null;
            pl.blocks = null;
        }
    }

    /** The next free placement of this round, filled in. */
    private Placed place(DraftJob job, State state, Sampler sampler, int[] blocks, int logitRow) {
        if (placedUsed == placedPool.size()) {
            placedPool.add(new Placed());
        }
        Placed pl = placedPool.get(placedUsed++);
        pl.job = job;
        pl.state = state;
        pl.sampler = sampler;
        pl.blocks = blocks;
        pl.logitRow = logitRow;
        return pl;
    }

    private int draw(Placed pl, float[] logits, int offset) {
        DraftJob job = pl.job;
        long index = job.firstIndex + job.count;
        if (job.exact) {
            return pl.sampler.sampleAt(logits, offset, scratch, index);
        }
        job.draftProbabilities[job.count] = pl.sampler.distribution(logits, offset, scratch);
        return pl.sampler.sampleAt(logits, offset, scratch,
                SeededRandom.substream(pl.sampler.params().seed(), DRAFT_STREAM), index);
    }

    @Override
    public void rollback(long key, int validTokens) {
        State st = states.get(key);
        if (st != null && st.computed > validTokens) {
            st.computed = validTokens;
        }
    }

    @Override
    public void release(long key) {
        State st = states.remove(key);
        if (st != null) {
            st.table.releaseAll(allocator);
        }
    }

    @Override
    public long lastProposeNanos() {
        return lastNanos;
    }

    @Override
    public String name() {
        return "draft model " + model.path().getFileName();
    }

    @Override
    public void close() {
        for (State st : states.values()) {
            st.table.releaseAll(allocator);
        }
        states.clear();
        kv.close();
        if (ownsModel) {
            model.close();
        }
    }
}
