package io.sluice.engine;

import io.sluice.kv.BlockTable;
import io.sluice.sampling.Sampler;
import io.sluice.sampling.StopConditions;
import io.sluice.sampling.TokenLogprob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The scheduler's state of one request: its tokens (prompt, then generated), how many of them have K/V in
 * the cache, its blocks, sampler and outputs. Owned by the scheduler's thread, except the immutable fields.
 */
final class Sequence {

    final long serial;
    final GenerationRequest request;
    final TokenListener listener;
    final CompletableFuture<Completion> future = new CompletableFuture<>();
    final Sampler sampler;
    final StopConditions stops;
    final TextStream text;
    final int promptLength;
    final long submittedNanos;

    /** Committed tokens in [0, length), then {@code drafts} speculative tokens in [length, length + drafts). */
    private int[] tokens;
    private int length;
    private int drafts;

    /** Positions [0, computed) have K/V in the blocks of {@link #table}; at most {@link #tokensWithSpec()}. */
    int computed;
    final BlockTable table;
    /** {@link #table}'s block ids as of the last {@link #blockIds()}, reused step after step. */
    private int[] blockIds = new int[4];
    /** The scheduler's step in which this sequence was last planned (or preempted while planning). */
    long plannedStep;
    /** Prompt tokens served by the prefix cache on first admission. */
    int cachedTokens = -1;
    /** Order of the latest (re)start: preemption picks the most recent among the lowest priority. */
    long startOrder;
    boolean finished;

    final List<List<TokenLogprob>> logprobs;
    final List<List<TokenLogprob>> promptLogprobs;
    /** Prompt positions whose logprobs are known (entry 0 is always null). */
    int promptLogprobsDone = 1;

    /** Speculation: the adaptive draft length (created on first use) and the drafter's distributions. */
    private io.sluice.spec.DraftLength draftLength;
    double[][] draftProbabilities;

    long firstScheduledNanos;
    long firstTokenNanos;

    Sequence(long serial, GenerationRequest request, int[] prompt, TokenListener listener, Sampler sampler,
             StopConditions stops, TextStream text, int blockSize, long submittedNanos) {
        this.serial = serial;
        this.request = request;
        this.listener = listener;
        this.sampler = sampler;
        this.stops = stops;
        this.text = text;
        this.promptLength = prompt.length;
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(request.maxTokens(), 256) + 1);
        this.length = prompt.length;
        this.table = new BlockTable(blockSize);
        this.submittedNanos = submittedNanos;
        this.logprobs = request.logprobs() > 0 ? new ArrayList<>() : null;
        if (request.promptLogprobs() >= 0) {
            promptLogprobs = new ArrayList<>(prompt.length);
            for (int i = 0; i < prompt.length; i++) {
                promptLogprobs.add(null);
            }
        } else {
            promptLogprobs = null;
        }
    }

    int length() {
        return length;
    }

    int token(int position) {
        return tokens[position];
    }

    /**
     * The table's block ids for one forward pass, in an array this sequence reuses: entries past the table's size
     * are stale, which is harmless since a pass only reads the blocks of the positions it runs.
     */
    int[] blockIds() {
        int n = table.size();
        if (blockIds.length < n) {
            blockIds = new int[Math.max(n, 2 * blockIds.length)];
        }
        for (int i = 0; i < n; i++) {
            blockIds[i] = table.get(i);
        }
        return blockIds;
    }

    /** The tokens array (valid up to {@link #length()}), for prefix hashing and decoding without a copy. */
    int[] tokensView() {
        return tokens;
    }

    int generatedCount() {
        return length - promptLength;
    }

    int[] generated() {
        return Arrays.copyOfRange(tokens, promptLength, length);
    }

    /** Commits a token after the committed ones; any drafts must have been accepted or truncated first. */
    void append(int token) {
        if (drafts != 0) {
            throw new IllegalStateException("append with " + drafts + " drafts pending");
        }
        ensureRoom(1);
        tokens[length++] = token;
    }

    /** Places speculative tokens after the committed ones (replacing any earlier drafts). */
    void setDrafts(int[] proposed, int count) {
        ensureRoom(count);
        System.arraycopy(proposed, 0, tokens, length, count);
        drafts = count;
    }

    int draftCount() {
        return drafts;
    }

    /** Committed tokens plus drafts: the positions the model runs this step. */
    int tokensWithSpec() {
        return length + drafts;
    }

    /** The first draft becomes a committed token (verification chose it). */
    void acceptDraft() {
        if (drafts == 0) {
            throw new IllegalStateException("no draft to accept");
        }
        length++;
        drafts--;
    }

    /**
     * Rolls the sequence back to its first {@code newLength} tokens: later committed tokens and all drafts are
     * dropped, and K/V computed beyond it no longer counts (the positions are rewritten later).
     */
    void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " of " + length + " tokens");
        }
        length = newLength;
        drafts = 0;
        computed = Math.min(computed, newLength);
    }

    private void ensureRoom(int extra) {
        int needed = length + extra;
        if (needed > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(needed, tokens.length * 2));
        }
    }

    /** Tokens still to run through the model before the next token can be sampled (drafts not counted). */
    int pending() {
        return length - computed;
    }

    /** The sequence is decoding: only its latest committed token lacks K/V. */
    boolean isDecoding() {
        return computed == length - 1;
    }

    io.sluice.spec.DraftLength draftLength(int maxDraftTokens) {
        if (draftLength == null) {
            draftLength = new io.sluice.spec.DraftLength(maxDraftTokens);
        }
        return draftLength;
    }

    boolean wantsPromptLogprobs() {
        return promptLogprobs != null;
    }
}
