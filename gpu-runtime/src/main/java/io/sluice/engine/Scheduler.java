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
 * Iteration-level (continuous) batching. Each {@link #step} runs, in one forward pass, the next token of every
 * running sequence plus chunks of prompts, within a token budget and a maximum number of sequences; a
 * sequence that finishes leaves at once and its blocks are free for the next step. Order: higher priority
 * first, then first come first served. When a running sequence needs a block and the pool is empty, the
 * lowest-priority, most recently started sequence gives its blocks back and waits to be recomputed; its
 * sampler keeps its state, and the model's rows are batch-invariant, so the recomputed sequence continues
 * with exactly the tokens it would have produced. Owned by one thread.
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

    private final PriorityQueue<Sequence> waiting = new PriorityQueue<>(ORDER);
    private final List<Sequence> running = new ArrayList<>();
    private final SamplingScratch scratch = new SamplingScratch();
    private final ForwardBatch batch = new ForwardBatch();
    private final List<Runnable> finished = new ArrayList<>();
    private final EngineCounters counters;
    private long starts;

    Scheduler(LlamaModel model, KvCacheStorage kv, EngineConfig config, EngineCounters counters) {
        this.model = model;
        this.kv = kv;
        this.allocator = new BlockAllocator(kv.numBlocks());
        this.prefixCache = config.prefixCaching() ? new PrefixCache(allocator, kv.blockSize()) : null;
        this.maxSequences = config.maxSequences();
        this.maxBatchTokens = config.maxBatchTokens();
        this.blockSize = kv.blockSize();
        this.vocab = model.config().vocabSize();
        this.counters = counters;
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

    /** Removes the matching sequences, freeing their blocks; returns them (their futures still open). */
    List<Sequence> remove(Predicate<Sequence> which) {
        List<Sequence> removed = new ArrayList<>();
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (which.test(s)) {
                it.remove();
                s.table.releaseAll(allocator);
                removed.add(s);
            }
        }
        waiting.removeIf(s -> {
            if (which.test(s)) {
                s.table.releaseAll(allocator);
                removed.add(s);
                return true;
            }
            return false;
        });
        return removed;
    }

    /** One scheduled piece of work: rows [from, from + count) of a sequence. */
    private record Slice(Sequence seq, int from, int count, int firstLogitRow) {
    }

    /** Runs one step; returns false when there was nothing to run. */
    boolean step() {
        List<Slice> slices = schedule();
        if (slices.isEmpty()) {
            return false;
        }
        batch.clear();
        List<Slice> placed = new ArrayList<>(slices.size());
        int logitRow = 0;
        for (Slice sl : slices) {
            Sequence s = sl.seq;
            int[] blocks = s.table.toArray();
            int firstLogitRow = logitRow;
            for (int p = sl.from; p < sl.from + sl.count; p++) {
                boolean wants = p == s.length() - 1 || (s.wantsPromptLogprobs() && p < s.promptLength - 1
                        && p + 1 >= s.promptLogprobsDone);
                batch.add(s.token(p), p, blocks, wants);
                if (wants) {
                    logitRow++;
                }
            }
            placed.add(new Slice(s, sl.from, sl.count, firstLogitRow));
        }
        long t0 = System.nanoTime();
        float[] logits = model.forward(batch, kv);
        long t1 = System.nanoTime();
        counters.stepDone(batch.size(), t1 - t0);
        for (Slice sl : placed) {
            advance(sl, logits);
        }
        counters.observeBlocks(allocator.usedBlocks());
        return true;
    }

    /** Picks this step's work: running sequences first, then waiting ones while budget and blocks last. */
    private List<Slice> schedule() {
        List<Slice> slices = new ArrayList<>();
        int budget = maxBatchTokens;
        running.sort(ORDER);
        List<Sequence> unscheduled = new ArrayList<>(running);
        // decode rows first (one token each, latency-critical), then continuing prompt chunks
        for (boolean decodePass : new boolean[] {true, false}) {
            for (Sequence s : new ArrayList<>(running)) {
                if (!unscheduled.contains(s) || (s.pending() == 1) != decodePass) {
                    continue; // preempted in this step, or not this pass's kind
                }
                unscheduled.remove(s);
                int n = Math.min(s.pending(), budget);
                if (n <= 0) {
                    continue;
                }
                boolean fits = true;
                while (!s.table.ensureCapacity(s.computed + n, allocator)) {
                    Sequence victim = victim(unscheduled, s);
                    preempt(victim);
                    unscheduled.remove(victim);
                    if (victim == s) {
                        fits = false;
                        break;
                    }
                }
                if (fits) {
                    slices.add(new Slice(s, s.computed, n, 0));
                    budget -= n;
                }
            }
        }
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
            slices.add(new Slice(s, s.computed, n, 0));
            budget -= n;
        }
        return slices;
    }

    /** The lowest-priority, most recently started of the candidates (the requester included). */
    private static Sequence victim(List<Sequence> candidates, Sequence requester) {
        Sequence v = requester;
        for (Sequence c : candidates) {
            if (c.request.priority() < v.request.priority()
                    || (c.request.priority() == v.request.priority() && c.startOrder > v.startOrder)) {
                v = c;
            }
        }
        return v;
    }

    private void preempt(Sequence s) {
        running.remove(s);
        s.table.releaseAll(allocator);
        s.computed = 0;
        waiting.add(s);
        counters.preempted();
        LOG.debug("preempted request {} at {} tokens", s.request.id(), s.length());
    }

    /** After the forward pass: prompt logprobs, then sampling when the sequence caught up. */
    private void advance(Slice sl, float[] logits) {
        Sequence s = sl.seq;
        int row = sl.firstLogitRow;
        int lastLogitRow = -1;
        for (int p = sl.from; p < sl.from + sl.count; p++) {
            boolean promptRow = s.wantsPromptLogprobs() && p < s.promptLength - 1 && p + 1 >= s.promptLogprobsDone;
            boolean last = p == s.length() - 1;
            if (promptRow) {
                s.promptLogprobs.set(p + 1,
                        Logprobs.topK(logits, row * vocab, vocab, s.request.promptLogprobs()));
                s.promptLogprobsDone = p + 2;
            }
            if (promptRow || last) {
                if (last) {
                    lastLogitRow = row;
                }
                row++;
            }
        }
        s.computed += sl.count;
        if (prefixCache != null) {
            prefixCache.register(s.tokensView(), s.computed, s.table);
        }
        if (s.computed < s.length()) {
            return; // more prompt chunks to come
        }
        if (s.generatedCount() >= s.request.maxTokens()) {
            finish(s, FinishReason.LENGTH); // max_tokens 0: the prompt is scored, nothing generated
            return;
        }
        int offset = lastLogitRow * vocab;
        int token = s.sampler.sample(logits, offset, scratch);
        if (s.firstTokenNanos == 0) {
            s.firstTokenNanos = System.nanoTime();
        }
        if (s.stops.isStopToken(token)) {
            finish(s, FinishReason.STOP);
            return;
        }
        if (s.logprobs != null) {
            s.logprobs.add(Logprobs.topK(logits, offset, vocab, s.request.logprobs()));
        }
        s.append(token);
        s.sampler.accept(token);
        counters.generated();
        String delta = s.text.update(s.generated());
        FinishReason end = s.text.stopped() ? FinishReason.STOP
                : s.stops.reachedLimit(s.generatedCount()) ? FinishReason.LENGTH : null;
        if (end == FinishReason.LENGTH) {
            delta += s.text.flush(); // nothing more can complete a held-back character or stop string
        }
        emit(s, token, delta);
        if (end != null) {
            finish(s, end);
        }
    }

    private void emit(Sequence s, int token, String delta) {
        try {
            s.listener.onToken(token, delta);
        } catch (RuntimeException e) {
            LOG.warn("token listener of request {} failed: {}", s.request.id(), e.toString());
        }
    }

    private void finish(Sequence s, FinishReason reason) {
        running.remove(s);
        s.table.releaseAll(allocator);
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
        finished.add(() -> s.future.complete(c));
    }

    /**
     * Completes the futures of the sequences that finished in the last step. The engine calls this after
     * publishing its statistics, so that whoever sees a completion also sees it counted.
     */
    void completeFinished() {
        for (Runnable r : finished) {
            r.run();
        }
        finished.clear();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
