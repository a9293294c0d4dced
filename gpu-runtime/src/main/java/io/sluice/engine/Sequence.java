package io.sluice.engine;

import io.sluice.kv.BlockTable;
import io.sluice.sampling.Sampler;
import io.sluice.sampling.StopConditions;
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

    private int[] tokens;
    private int length;

    /** Positions [0, computed) have K/V in the blocks of {@link #table}. */
    int computed;
    final BlockTable table;
    /** Prompt tokens served by the prefix cache on first admission. */
    int cachedTokens = -1;
    /** Order of the latest (re)start: preemption picks the most recent among the lowest priority. */
    long startOrder;
    boolean finished;

    final List<List<TokenLogprob>> logprobs;
    final List<List<TokenLogprob>> promptLogprobs;
    /** Prompt positions whose logprobs are known (entry 0 is always null). */
    int promptLogprobsDone = 1;

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

    /** The tokens array (valid up to {@link #length()}), for prefix hashing. */
    int[] tokensView() {
        return tokens;
    }

    int generatedCount() {
        return length - promptLength;
    }

    int[] generated() {
        return Arrays.copyOfRange(tokens, promptLength, length);
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
    }

    /** Tokens still to run through the model before the next token can be sampled. */
    int pending() {
        return length - computed;
    }

    boolean wantsPromptLogprobs() {
        return promptLogprobs != null;
    }
}
