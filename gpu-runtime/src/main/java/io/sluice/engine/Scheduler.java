package io.sluice.engine;

import io.sluice.kv.BlockAllocator;
import io.sluice.kv.BlockTable;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.PrefixCache;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.Logprobs;
import io.sluice.sampling.SamplingScratch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Iteration-level (continuous) batching. Each {@link #step} plans, executes and applies one forward pass:
 * {@link #plan} picks the rows (the next token of every decoding sequence, drafted tokens to verify, chunks of
 * prompts) within a token budget and a maximum number of sequences; {@link #execute} runs them; {@link #update}
 * turns the logits into committed tokens, rolls back what was not accepted and finishes sequences, whose
 * blocks are free for the next step. A sequence's counts say where it stands: positions [0, computed) have
 * K/V, its committed tokens are [0, length), drafts follow them. Order: higher priority first, then first
 * come first served. When a running sequence needs a block and the pool is empty, the lowest-priority, most
 * recently started sequence gives its blocks back and waits to be recomputed; the model's rows are
 * batch-invariant and sampling is a function of (seed, position), so the recomputed sequence continues with
 * exactly the tokens it would have produced. Owned by one thread.
 */
final class Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    /** Priority first (higher runs first; compared, not negated, which overflows at Integer.MIN_VALUE), then arrival. */
    static final Comparator<Sequence> ORDER = ((Comparator<Sequence>) (a, b) ->
            Integer.compare(b.request.priority(), a.request.priority())).thenComparingLong(s -> s.serial);

    private final LlamaModel model;
    private final KvCacheStorage kv;
    private final BlockAllocator allocator;
    private final PrefixCache prefixCache;
    private final int maxSequences;
    private final int maxBatchTokens;
    private final int blockSize;
    private final int vocab;
    private final int context;
    private final Speculation speculation;
    private final ForwardPass forward;

    private final PriorityQueue<Sequence> waiting = new PriorityQueue<>(ORDER);
    private final List<Sequence> running = new ArrayList<>();
    private final SamplingScratch scratch = new SamplingScratch();
    /** The last step's logits array, reused by the next step (a step's logits are used up within it). */
    private float[] logits = new float[0];
    private final ForwardBatch batch = new ForwardBatch();
    /** Sequences that finished in this step, with the completion of each. */
    private final List<Finished> finished = new ArrayList<>();
    /** This step's slices: the first {@code slices.size()} of {@link #slicePool}, reused step after step. */
    private final List<Slice> slices = new ArrayList<>();
    private final List<Slice> slicePool = new ArrayList<>();
    /** The running sequences in order at the start of planning (planning may preempt some of them). */
    private final List<Sequence> order = new ArrayList<>();
    /** Marks sequences planned (or preempted) in the step being planned: {@link Sequence#plannedStep}. */
    private long planStep;
    private final EngineCounters counters;
    private long starts;

    Scheduler(LlamaModel model, KvCacheStorage kv, EngineConfig config, EngineCounters counters,
              Speculation speculation) {
        this(model, kv, config, counters, speculation, model::forward);
    }

    /** As above, with the model's passes run by {@code forward} (tests make them fail). */
    Scheduler(LlamaModel model, KvCacheStorage kv, EngineConfig config, EngineCounters counters,
              Speculation speculation, ForwardPass forward) {
        this.model = model;
        this.forward = forward;
        this.kv = kv;
        this.allocator = new BlockAllocator(kv.numBlocks());
        this.prefixCache = config.prefixCaching() ? new PrefixCache(allocator, kv.blockSize()) : null;
        this.maxSequences = config.maxSequences();
        this.maxBatchTokens = config.maxBatchTokens();
        this.blockSize = kv.blockSize();
        this.vocab = model.config().vocabSize();
        this.context = model.config().contextLength();
        this.counters = counters;
        this.speculation = speculation;
    }

    void add(Sequence s) {
        waiting.add(s);
    }

    boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    int runningCount() {
        return running.size();
    }

    int waitingCount() {
        return waiting.size();
    }

    BlockAllocator allocator() {
        return allocator;
    }

    PrefixCache prefixCache() {
        return prefixCache;
    }

    Speculation speculation() {
        return speculation;
    }

    /** Removes the matching sequences, freeing their blocks; returns them (their futures still open). */
    List<Sequence> remove(Predicate<Sequence> which) {
        List<Sequence> removed = new ArrayList<>();
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (which.test(s)) {
                it.remove();
                releaseAll(s);
                removed.add(s);
            }
        }
        waiting.removeIf(s -> {
            if (which.test(s)) {
                releaseAll(s);
                removed.add(s);
                return true;
            }
            return false;
        });
        return removed;
    }

    /** One sequence's rows this step: positions [from, from + count) of its tokens with drafts. */
    static final class Slice {
        Sequence seq;
        int from;
        int count;
        /** Per row: its row among the logits, or -1 (the first {@link #count} entries). */
        int[] logitRowOf = new int[1];

        /** The sequence samples after this step (it has caught up with its committed tokens). */
        boolean samples() {
            return from + count >= seq.length();
        }
    }

    /** Runs one step; returns false when there was nothing to run. */
    boolean step() {
        List<Slice> plan = plan();
        try {
            return step(plan);
        } finally {
            for (Slice sl : plan) {
                sl.seq = null; // no reference to a finished sequence outlives its step
            }
            plan.clear();
        }
    }

    private boolean step(List<Slice> plan) {
        if (plan.isEmpty()) {
            return false;
        }
        float[] logits;
        try {
            logits = execute(plan, this.logits);
            this.logits = logits;
        } catch (RuntimeException e) {
            recover(plan, e);
            return true;
        }
        // the step's peak: before update() releases the blocks of sequences that finish in it
        counters.observeBlocks(allocator.usedBlocks());
        for (Slice sl : plan) {
            updateOrFail(sl, logits);
        }
        return true;
    }

    /**
     * The step's pass failed: finds the sequences that make it fail ({@link FailureIsolation}), fails them with
     * their own cause, and applies the logits of the others' successful passes, in plan order as a whole step
     * would. Nothing was committed before: sequences' counts, tokens, samplers and prefix registrations change
     * only in {@link #update}. A failure that is not per-request fails every sequence the step ran. An
     * {@link Error} in a retry propagates (the engine then fails everything).
     */
    private void recover(List<Slice> plan, RuntimeException cause) {
        FailureIsolation isolation = FailureIsolation.isolate(plan.size(), cause,
                (from, to) -> execute(plan.subList(from, to), null));
        counters.observeBlocks(allocator.usedBlocks());
        boolean systemic = isolation.systemic();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            Slice sl = plan.get(i);
            float[] logits = isolation.logits(i);
            if (logits != null) {
                updateOrFail(sl, logits);
                continue;
            }
            RuntimeException own = isolation.cause(i);
            RuntimeException why = own != null ? own : cause;
            failed.add(sl.seq.request.id());
            if (own != null && !systemic) {
                LOG.debug("request {} fails the model's pass alone", sl.seq.request.id(), own);
            }
            fail(sl.seq, new EngineException(EngineException.Code.INTERNAL, "engine step failed: " + why, why));
        }
        if (systemic) {
            LOG.error("engine step of {} sequences failed and {} retry passes found no per-request cause; failing "
                    + "requests {}", plan.size(), isolation.passes(), failed, cause);
        } else {
            LOG.warn("engine step of {} sequences failed ({}); isolated requests {} in {} retry passes, the other {} "
                    + "go on", plan.size(), cause, failed, isolation.passes(), plan.size() - failed.size());
        }
    }

    /** Applies a slice's logits; a failure there (a tokenizer edge case, a bug) fails that sequence alone. */
    private void updateOrFail(Slice sl, float[] logits) {
        try {
            update(sl, logits);
        } catch (RuntimeException e) {
            Sequence s = sl.seq;
            if (s.finished) {
                LOG.warn("request {} finished, then its step's update failed", s.request.id(), e);
                return;
            }
            LOG.warn("request {}: applying its step's logits failed; failing it alone", s.request.id(), e);
            fail(s, new EngineException(EngineException.Code.INTERNAL, "engine step failed: " + e, e));
        }
    }

    /**
     * Picks this step's work: decode rows of running sequences first, then their prompt chunks, then waiting
     * sequences while budget and blocks last, then drafts for the decoding ones from what budget is left.
     */
    private List<Slice> plan() {
        slices.clear();
        planStep++;
        running.sort(ORDER);
        order.clear();
        for (int i = 0; i < running.size(); i++) {
            order.add(running.get(i)); // not addAll: it copies through a new array
        }
        // decode rows first (one token each, latency-critical), then continuing prompt chunks
        int budget = planRunning(true, maxBatchTokens);
        budget = planRunning(false, budget);
        while (budget > 0 && running.size() < maxSequences && !waiting.isEmpty()) {
            Sequence s = waiting.peek();
            if (s.table.size() == 0 && prefixCache != null && !s.wantsPromptLogprobs()) {
                // never the last token: its logits must be computed to sample from them
                s.computed = prefixCache.acquire(s.tokensView(), s.length() - 1, s.table);
            }
            int n = Math.min(s.pending(), budget);
            int needed = BlockTable.blocksFor(s.computed + n, blockSize) - s.table.size();
            // leave one block of headroom per running sequence, so that admitting does not force preemption
            int reserve = running.isEmpty() ? 0 : running.size();
            if (needed + reserve > allocator.availableBlocks() || !s.table.ensureCapacity(s.computed + n, allocator)) {
                s.table.releaseAll(allocator);
                s.computed = 0;
                break;
            }
            waiting.poll();
            if (s.cachedTokens < 0) {
                s.cachedTokens = s.computed;
                s.firstScheduledNanos = System.nanoTime();
                counters.promptLookedUp(s.promptLength, s.computed);
            }
            s.startOrder = ++starts;
            running.add(s);
            addSlice(s, s.computed, n);
            budget -= n;
        }
        if (speculation != null && speculation.enabled()) {
            speculation.draft(slices, budget, this::reserveLookahead);
        }
        return slices;
    }

    /**
     * Plans the running sequences that are decoding (or, in the second pass, prefilling) and not yet planned or
     * preempted in this step; returns the budget left.
     */
    private int planRunning(boolean decodePass, int budget) {
        for (int i = 0; i < order.size(); i++) {
            Sequence s = order.get(i);
            if (s.plannedStep == planStep || s.isDecoding() != decodePass) {
                continue; // planned or preempted in this step, or not this pass's kind
            }
            s.plannedStep = planStep;
            int n = Math.min(s.pending(), budget);
            if (n <= 0) {
                continue;
            }
            boolean fits = true;
            while (!s.table.ensureCapacity(s.computed + n, allocator)) {
                Sequence victim = victim(s);
                preempt(victim);
                victim.plannedStep = planStep;
                if (victim == s) {
                    fits = false;
                    break;
                }
            }
            if (fits) {
                addSlice(s, s.computed, n);
                budget -= n;
            }
        }
        return budget;
    }

    private void addSlice(Sequence s, int from, int count) {
        if (slices.size() == slicePool.size()) {
            slicePool.add(new Slice());
        }
        Slice sl = slicePool.get(slices.size());
        sl.seq = s;
        sl.from = from;
        sl.count = count;
        slices.add(sl);
    }

    /**
     * Room for {@code drafts} drafted positions after the sequence's committed tokens, without preempting
     * anyone (drafts are optional): returns how many fit.
     */
    private int reserveLookahead(Sequence s, int drafts) {
        int k = Math.min(drafts, Math.min(context - s.length(), s.request.maxTokens() - s.generatedCount() - 1));
        while (k > 0 && !s.table.ensureCapacity(s.length() + k, allocator)) {
            k--;
        }
        return Math.max(0, k);
    }

    /**
     * The lowest-priority, most recently started of the requester and the running sequences not yet planned in
     * this step.
     */
    private Sequence victim(Sequence requester) {
        Sequence v = requester;
        for (int i = 0; i < running.size(); i++) {
            Sequence c = running.get(i);
            if (c.plannedStep == planStep) {
                continue;
            }
            if (c.request.priority() < v.request.priority()
                    || (c.request.priority() == v.request.priority() && c.startOrder > v.startOrder)) {
                v = c;
            }
        }
        return v;
    }

    private void preempt(Sequence s) {
        running.remove(s);
        releaseAll(s);
        s.computed = 0;
        waiting.add(s);
        counters.preempted();
        LOG.debug("preempted request {} at {} tokens", s.request.id(), s.length());
    }

    private void releaseAll(Sequence s) {
        s.table.releaseAll(allocator);
        if (speculation != null) {
            speculation.release(s);
        }
    }

    /** Whether the row of position {@code p} needs logits: to sample or verify after it, or a prompt logprob. */
    private static boolean wantsLogits(Sequence s, int p) {
        return p >= s.length() - 1 || isPromptLogprobRow(s, p);
    }

    private static boolean isPromptLogprobRow(Sequence s, int p) {
        return s.wantsPromptLogprobs() && p < s.promptLength - 1 && p + 1 >= s.promptLogprobsDone;
    }

    /**
     * Runs the planned rows through the model; returns the logits of the rows that want them, written into
     * {@code reuse} when it is large enough (null: a new array, for retry passes whose logits must all survive).
     */
    private float[] execute(List<Slice> plan, float[] reuse) {
        batch.clear();
        int logitRow = 0;
        for (Slice sl : plan) {
            Sequence s = sl.seq;
            int[] blocks = s.blockIds();
            if (sl.logitRowOf.length < sl.count) {
                sl.logitRowOf = new int[Math.max(sl.count, 2 * sl.logitRowOf.length)];
            }
            for (int i = 0; i < sl.count; i++) {
                int p = sl.from + i;
                boolean wants = wantsLogits(s, p);
                batch.add(s.token(p), p, blocks, wants);
                sl.logitRowOf[i] = wants ? logitRow++ : -1;
            }
        }
        long t0 = System.nanoTime();
        float[] logits = forward.run(batch, kv, reuse);
        long nanos = System.nanoTime() - t0;
        counters.stepDone(batch.size(), nanos);
        if (speculation != null) {
            speculation.observeStep(batch.size(), nanos);
        }
        return logits;
    }

    /** After the forward pass: prompt logprobs, then committed tokens (sampled or verified drafts). */
    private void update(Slice sl, float[] logits) {
        Sequence s = sl.seq;
        for (int i = 0; i < sl.count; i++) {
            int p = sl.from + i;
            if (isPromptLogprobRow(s, p)) {
                s.promptLogprobs.set(p + 1,
                        Logprobs.topK(logits, sl.logitRowOf[i] * vocab, vocab, s.request.promptLogprobs()));
                s.promptLogprobsDone = p + 2;
            }
        }
        s.computed = sl.from + sl.count;
        register(s); // before anything can finish the sequence: its prompt blocks serve later requests
        if (s.computed < s.length()) {
            return; // more prompt chunks to come
        }
        if (s.generatedCount() >= s.request.maxTokens()) {
            finish(s, FinishReason.LENGTH); // max_tokens 0: the prompt is scored, nothing generated
            return;
        }
        int drafted = s.draftCount();
        int accepted = commit(sl, logits);
        if (speculation != null && drafted > 0) {
            speculation.verified(s, drafted, accepted);
        }
        if (s.finished) {
            return;
        }
        // roll back: K/V of rejected drafts no longer counts and blocks past the next position go back
        s.table.truncate(BlockTable.blocksFor(s.length(), blockSize), allocator);
        register(s);
    }

    /**
     * Commits the target's tokens from the slice's logits: the sampled token after the committed ones, and
     * while it equals the next draft, that draft and the token after it. Returns the drafts accepted (the
     * sequence may have finished or failed on the way).
     */
    private int commit(Slice sl, float[] logits) {
        Sequence s = sl.seq;
        int accepted = 0;
        counters.sampledSlot();
        while (true) {
            int row = sl.logitRowOf[s.length() - 1 - sl.from];
            int offset = row * vocab;
            if (!finite(logits, offset)) {
                fail(s, "the model produced a non-finite logit (NaN or infinity) after position " + (s.length() - 1)
                        + " of request " + s.request.id() + "; its weights are broken");
                return accepted;
            }
            int draft = s.draftCount() > 0 ? s.token(s.length()) : -1;
            int token = speculation != null && draft >= 0
                    ? speculation.choose(s, logits, offset, scratch, accepted, draft)
                    : s.sampler.sampleAt(logits, offset, scratch, s.generatedCount());
            boolean matches = token == draft;
            if (!matches) {
                s.truncate(s.length()); // drafts from here on are rejected
            }
            if (s.firstTokenNanos == 0) {
                s.firstTokenNanos = System.nanoTime();
            }
            if (s.stops.isStopToken(token)) {
                String held = s.text.flush(); // the text ends here: what waited for more is final
                if (!held.isEmpty()) {
                    emit(s, TokenListener.NO_TOKEN, held);
                }
                finish(s, FinishReason.STOP);
                return accepted + (matches ? 1 : 0);
            }
            if (s.logprobs != null) {
                s.logprobs.add(Logprobs.topK(logits, offset, vocab, s.request.logprobs()));
            }
            if (matches) {
                s.acceptDraft();
                accepted++;
            } else {
                s.append(token);
            }
            s.sampler.accept(token);
            counters.generated();
            String delta = s.text.update(s.tokensView(), s.promptLength, s.length());
            FinishReason end = s.text.stopped() ? FinishReason.STOP
                    : s.stops.reachedLimit(s.generatedCount()) ? FinishReason.LENGTH : null;
            if (end == FinishReason.LENGTH) {
                delta += s.text.flush(); // nothing more can complete a held-back character or stop string
            }
            emit(s, token, delta);
            if (end != null) {
                finish(s, end);
                return accepted;
            }
            if (!matches) {
                return accepted;
            }
        }
    }

    private boolean finite(float[] logits, int offset) {
        for (int i = offset; i < offset + vocab; i++) {
            if (!Float.isFinite(logits[i])) {
                return false;
            }
        }
        return true;
    }

    private void register(Sequence s) {
        if (prefixCache != null) {
            // computed counts accepted tokens only: a block holding rejected drafts is never registered
            prefixCache.register(s.tokensView(), Math.min(s.computed, s.length()), s.table);
        }
    }

    private void emit(Sequence s, int token, String delta) {
        try {
            s.listener.onToken(token, delta);
        } catch (RuntimeException e) {
            LOG.warn("token listener of request {} failed: {}", s.request.id(), e.toString());
        }
    }

    private void fail(Sequence s, String message) {
        LOG.error(message);
        fail(s, new EngineException(EngineException.Code.INTERNAL, message));
    }

    private void fail(Sequence s, EngineException e) {
        running.remove(s);
        releaseAll(s);
        s.finished = true;
        finished.add(new Finished(s, () -> s.future.completeExceptionally(e)));
    }

    private void finish(Sequence s, FinishReason reason) {
        running.remove(s);
        releaseAll(s);
        s.finished = true;
        long now = System.nanoTime();
        int generated = s.generatedCount();
        double queued = ms(s.firstScheduledNanos - s.submittedNanos);
        double ttft = s.firstTokenNanos == 0 ? ms(now - s.submittedNanos) : ms(s.firstTokenNanos - s.submittedNanos);
        double total = ms(now - s.submittedNanos);
        double tpot = generated > 1 ? ms(now - s.firstTokenNanos) / (generated - 1) : 0;
        Completion c = new Completion(s.request.id(), s.generated(), s.text.text(), reason, s.promptLength,
                Math.max(0, s.cachedTokens), generated,
                s.logprobs == null ? null : List.copyOf(s.logprobs),
                s.promptLogprobs == null ? null : java.util.Collections.unmodifiableList(new ArrayList<>(s.promptLogprobs)),
                new RequestTimings(queued, ttft, total, tpot));
        counters.completed();
        finished.add(new Finished(s, () -> s.future.complete(c)));
    }

    /**
     * Completes the futures of the sequences that finished in the last step. The engine calls this after
     * publishing its statistics, so that whoever sees a completion also sees it counted.
     */
    void completeFinished() {
        completeFinished(s -> false);
    }

    /**
     * As {@link #completeFinished()}, but a sequence for which {@code cancelled} holds (asked once per sequence,
     * right before its completion) ends CANCELLED instead: its cancel was accepted before its end was published.
     */
    void completeFinished(Predicate<Sequence> cancelled) {
        for (Finished f : finished) {
            if (cancelled.test(f.seq)) {
                f.seq.future.completeExceptionally(EngineException.cancelled(f.seq.request.id()));
            } else {
                f.completion.run();
            }
        }
        finished.clear();
    }

    /** A sequence that finished in this step and what completes its future. */
    private record Finished(Sequence seq, Runnable completion) {
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
