package io.sluice.engine;

import io.sluice.kv.BlockTable;
import io.sluice.kv.KvCacheStorage;
import io.sluice.model.LlamaModel;
import io.sluice.model.ModelConfig;
import io.sluice.sampling.Sampler;
import io.sluice.sampling.StopConditions;
import io.sluice.sampling.StopStrings;
import io.sluice.spec.DraftModelDrafter;
import io.sluice.spec.Drafter;
import io.sluice.spec.PromptLookupDrafter;
import io.sluice.spec.VocabularyCheck;
import io.sluice.tokenizer.ChatTemplate;
import io.sluice.tensor.Device;
import io.sluice.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous-batching engine on a Llama-family model: requests are validated on the caller's thread,
 * then one scheduler thread runs steps (see {@link Scheduler}) until every submitted request is done.
 * Thread-safe. Futures complete and listeners run on the scheduler's thread: callers must not block there.
 */
public final class LlamaEngine implements InferenceEngine {

    private static final Logger LOG = LoggerFactory.getLogger(LlamaEngine.class);

    private final LlamaModel model;
    private final boolean ownsModel;
    private final EngineConfig config;
    private final KvCacheStorage kv;
    private final Scheduler scheduler;
    private final EngineCounters counters = new EngineCounters();
    private final Tokenizer tokenizer;
    /** The model's chat template, or null with the reason in {@link #chatTemplateProblem}. */
    private final ChatTemplate chatTemplate;
    private final String chatTemplateProblem;
    private final int[] endOfGeneration;
    private final Thread thread;

    private final ConcurrentLinkedQueue<Sequence> arrivals = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> cancellations = new ConcurrentLinkedQueue<>();
    /** Submitted and not yet completed (nor decided: see settle), for cancel(). */
    private final java.util.Set<Sequence> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Live sequences whose cancel() returned true: they end CANCELLED even when their last step already ran. */
    private final java.util.Set<Sequence> cancelAccepted = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Orders cancel()'s answer against the engine deciding a finished sequence's outcome (see settle). */
    private final Object settling = new Object();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicLong serials = new AtomicLong();
    private volatile boolean closing;
    private volatile EngineStats stats;

    /** Loads the configuration's model (and draft model) and starts an engine that owns them. */
    public static LlamaEngine open(EngineConfig config) {
        LlamaModel model = LlamaModel.load(config.modelPath(), config.devices());
        LlamaModel draft = null;
        try {
            Path draftPath = config.speculation().draftModel();
            if (draftPath != null) {
                draft = loadDraft(draftPath, config.device());
            }
            return new LlamaEngine(model, draft, config, true);
        } catch (RuntimeException e) {
            model.close();
            if (draft != null) {
                draft.close();
            }
            throw e;
        }
    }

    /** The draft runs where the model starts (its first device): its KV cache shares that budget. */
    private static LlamaModel loadDraft(Path path, Device device) {
        try {
            return LlamaModel.load(path, device);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("draft model " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts an engine on a loaded model. With {@code ownsModel} the engine closes the model when it closes;
     * without, several engines (tests) may share one model. A draft model named in the configuration is
     * loaded here (and owned).
     */
    public LlamaEngine(LlamaModel model, EngineConfig config, boolean ownsModel) {
        this(model, config.speculation().draftModel() == null ? null
                : loadDraft(config.speculation().draftModel(), model.backend().device()),
                config, ownsModel, true, null);
    }

    /**
     * For tests: an engine on a shared model whose forward passes go through {@code forward} (which may fail
     * for chosen rows).
     */
    LlamaEngine(LlamaModel model, EngineConfig config, ForwardPass forward) {
        this(model, config.speculation().draftModel() == null ? null
                : loadDraft(config.speculation().draftModel(), model.backend().device()),
                config, false, true, forward);
    }

    /**
     * As {@link #LlamaEngine(LlamaModel, EngineConfig, boolean)} with an already loaded draft model (or
     * null), owned like the model.
     */
    public LlamaEngine(LlamaModel model, LlamaModel draft, EngineConfig config, boolean ownsModels) {
        this(model, draft, config, ownsModels, ownsModels, null);
    }

    /** {@code forward}: how the scheduler runs the model's passes, null for the model's own. */
    private LlamaEngine(LlamaModel model, LlamaModel draft, EngineConfig config, boolean ownsModel,
                        boolean ownsDraft, ForwardPass forward) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.config = config;
        ModelConfig mc = model.config();
        SpeculationConfig sc = config.speculation();
        if (draft != null) {
            try {
                VocabularyCheck.check(model, draft);
            } catch (IllegalArgumentException e) {
                if (ownsDraft) {
                    draft.close();
                }
                throw e;
            }
        }
        int blocks = kvBlocks(model, draft, config);
        this.kv = model.newKvStorage(blocks, config.kvBlockSize(), config.kvType());
        Drafter drafter = draft != null ? new DraftModelDrafter(draft, ownsDraft, blocks, config.kvBlockSize(),
                config.kvType()) : sc.promptLookup() ? new PromptLookupDrafter() : null;
        Speculation speculation = drafter == null ? null : new Speculation(drafter, sc, counters);
        this.scheduler = new Scheduler(model, kv, config, counters, speculation,
                forward != null ? forward : model::forward);
        this.tokenizer = tokenizerOf(model);
        ChatTemplate template = null;
        String problem = "the model has no tokenizer Sluice can use, so it cannot take messages";
        if (tokenizer != null) {
            try {
                template = ChatTemplate.fromGguf(model.metadata(), tokenizer);
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        this.chatTemplate = template;
        this.chatTemplateProblem = problem;
        this.endOfGeneration = endOfGenerationIds(model, tokenizer);
        LOG.info("engine on {} ({}): {} KV blocks of {} tokens ({} MiB, {}), up to {} sequences, {} tokens per step{}",
                model.path().getFileName(), model.placement(), blocks, config.kvBlockSize(), kv.bytes() >> 20,
                config.kvType(), config.maxSequences(), config.maxBatchTokens(),
                drafter == null ? "" : ", speculative decoding with " + drafter.name() + " (" + sc.mode()
                        .name().toLowerCase(java.util.Locale.ROOT) + ", up to " + sc.maxDraftTokens() + " drafts)");
        publishStats();
        this.thread = new Thread(this::loop, "sluice-engine-" + model.path().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * KV blocks for the configured memory budget, at most what maxSequences full contexts need twice over.
     * With a draft model the budget holds as many blocks of the draft's cache as of the model's. On the CPU
     * the budget is heap memory; on a GPU it is device memory ({@link #deviceBlocks}).
     */
    static int kvBlocks(LlamaModel model, LlamaModel draft, EngineConfig config) {
        long perToken = model.kvBytesPerToken(config.kvType())
                + (draft == null ? 0 : draft.kvBytesPerToken(config.kvType()));
        long bytesPerBlock = perToken * config.kvBlockSize();
        ModelConfig mc = model.config();
        long useful = 2L * config.maxSequences() * BlockTable.blocksFor(mc.contextLength(), config.kvBlockSize());
        java.util.OptionalLong onDevice = deviceBlocks(model, draft, config);
        if (onDevice.isPresent()) {
            long blocks = onDevice.getAsLong();
            if (config.kvCacheBytes() > 0) {
                blocks = Math.min(blocks, config.kvCacheBytes() / bytesPerBlock);
            }
            if (blocks < 1) {
                throw new IllegalArgumentException("a KV budget of " + config.kvCacheBytes()
                        + " bytes holds no block of " + bytesPerBlock + " bytes; raise kvCacheBytes");
            }
            return (int) Math.min(blocks, useful);
        }
        long budget = config.kvCacheBytes() > 0 ? config.kvCacheBytes()
                : (long) (Runtime.getRuntime().maxMemory() * config.kvCacheFraction());
        long blocks = budget / bytesPerBlock;
        if (blocks < 1) {
            throw new IllegalArgumentException("a KV budget of " + budget + " bytes holds no block of "
                    + bytesPerBlock + " bytes; raise kvCacheBytes");
        }
        long arrayLimit = (Integer.MAX_VALUE - 16L) / ((long) config.kvBlockSize() * mc.kvDim());
        return (int) Math.min(blocks, Math.min(useful, arrayLimit));
    }

    /**
     * KV blocks that fit the devices' budgets once the weights (already loaded) and the activations of the
     * largest step are accounted for, on every device of a split; empty on the CPU (no device budget). A draft
     * model's blocks take their share: the model's block count is scaled by its part of a model-plus-draft block,
     * so both caches fit together.
     *
     * @throws io.sluice.tensor.cuda.CudaUnavailableException when the model leaves too little room
     */
    static java.util.OptionalLong deviceBlocks(LlamaModel model, LlamaModel draft, EngineConfig config) {
        ModelConfig mc = model.config();
        long workspace = stepBytes(mc, config.maxBatchTokens())
                + (draft == null ? 0 : stepBytes(draft.config(), config.maxBatchTokens()));
        java.util.OptionalInt fit = model.kvBlocksThatFit(config.kvBlockSize(), config.kvType(), workspace);
        if (fit.isEmpty()) {
            return java.util.OptionalLong.empty();
        }
        long blocks = fit.getAsInt();
        if (draft == null) {
            return java.util.OptionalLong.of(blocks);
        }
        long modelPerToken = model.kvBytesPerToken(config.kvType());
        long draftPerToken = draft.kvBytesPerToken(config.kvType());
        return java.util.OptionalLong.of(blocks * modelPerToken / (modelPerToken + draftPerToken));
    }

    /**
     * Bytes of the activation buffers of a step of {@code rows} tokens, every row also wanting logits: an upper
     * bound of what the model allocates for its largest step (float rows of the residual, its normalised form,
     * q, k, v, attention output, projection output, gate, up, and the logit rows), plus the copies a GPU makes of
     * a product's input for its tensor cores (8-bit quants with a scale and sum per 32, and two halves, each
     * at most twice what the widest input needs, as they grow by doubling).
     */
    static long stepBytes(ModelConfig c, int rows) {
        long perRow = 3L * c.dim() + 2L * c.qDim() + 2L * c.kvDim() + 2L * c.ffn() + 2L * c.dim() + c.vocabSize();
        long widestInput = Math.max(c.dim(), Math.max(c.qDim(), c.ffn()));
        long copies = 2 * (widestInput + widestInput / 4) + 2 * (4 * widestInput + 4);
        return (Float.BYTES * perRow + copies) * rows;
    }

    /** The model's tokenizer, or null when its file has none Sluice supports (then prompts must be ids). */
    private static Tokenizer tokenizerOf(LlamaModel model) {
        if (!model.metadata().has("tokenizer.ggml.model")) {
            return null;
        }
        try {
            Tokenizer t = Tokenizer.fromGguf(model.metadata());
            if (t.vocabularySize() != model.config().vocabSize()) {
                LOG.warn("tokenizer of {} has {} tokens, the model {}: text prompts disabled",
                        model.path().getFileName(), t.vocabularySize(), model.config().vocabSize());
                return null;
            }
            return t;
        } catch (IllegalArgumentException e) {
            LOG.warn("tokenizer of {} not usable ({}): text prompts disabled", model.path().getFileName(), e.getMessage());
            return null;
        }
    }

    /** Tokens that end generation unless a request ignores them: EOS, EOT and the other turn-end markers. */
    private static int[] endOfGenerationIds(LlamaModel model, Tokenizer tokenizer) {
        List<Integer> ids = new ArrayList<>();
        if (tokenizer != null) {
            for (int id = 0; id < tokenizer.vocabularySize(); id++) {
                if (tokenizer.isEndOfGeneration(id)) {
                    ids.add(id);
                }
            }
        }
        for (String key : new String[] {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                "tokenizer.ggml.eom_token_id"}) {
            if (model.metadata().has(key)) {
                int id = model.metadata().getInt(key);
                if (id >= 0 && id < model.config().vocabSize() && !ids.contains(id)) {
                    ids.add(id);
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The model's tokenizer, or null when prompts must be token ids. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
        long now = System.nanoTime();
        Sequence s;
        try {
            if (closing) {
                throw closed();
            }
            s = newSequence(request, listener == null ? TokenListener.NONE : listener, now);
        } catch (EngineException e) {
            return CompletableFuture.failedFuture(e);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(
                    new EngineException(EngineException.Code.INVALID_REQUEST, e.getMessage(), e));
        }
        // queued before it is known to cancel(): a cancellation then always finds it (see loop)
        arrivals.add(s);
        live.add(s);
        s.future.whenComplete((c, e) -> {
            live.remove(s);
            cancelAccepted.remove(s);
        });
        signal();
        if (!thread.isAlive() && arrivals.remove(s)) {
            s.future.completeExceptionally(closed()); // lost the race with close()
        }
        return s.future;
    }

    private Sequence newSequence(GenerationRequest request, TokenListener listener, long now) {
        ModelConfig mc = model.config();
        if (request.promptIds() == null && tokenizer == null) {
            throw new EngineException(EngineException.Code.INVALID_REQUEST, "request " + request.id()
                    + ": the model has no tokenizer Sluice can use; send prompt token ids");
        }
        if (!request.stopStrings().isEmpty() && tokenizer == null) {
            throw new EngineException(EngineException.Code.INVALID_REQUEST,
                    "request " + request.id() + ": stop strings need the model's tokenizer to decode text");
        }
        int[] prompt;
        if (request.messages() != null) {
            if (chatTemplate == null) {
                throw new EngineException(EngineException.Code.TEMPLATE_ERROR, "request " + request.id() + ": "
                        + chatTemplateProblem);
            }
            try {
                // Control tokens only where the template writes them: message text stays text.
                prompt = chatTemplate.encode(request.messages(), true);
            } catch (IllegalArgumentException e) {
                throw new EngineException(EngineException.Code.TEMPLATE_ERROR, "request " + request.id() + ": "
                        + e.getMessage());
            }
        } else {
            prompt = request.promptIds() != null ? request.promptIds().clone() : tokenizer.encode(request.prompt(), true);
        }
        if (prompt.length == 0) {
            throw new EngineException(EngineException.Code.INVALID_REQUEST, "request " + request.id() + ": empty prompt");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= mc.vocabSize()) {
                throw new EngineException(EngineException.Code.TOKEN_OUT_OF_VOCABULARY, "request " + request.id()
                        + ": prompt token " + prompt[i] + " at position " + i + " is outside the vocabulary of "
                        + mc.vocabSize());
            }
        }
        long total = (long) prompt.length + request.maxTokens();
        if (total > mc.contextLength()) {
            throw new EngineException(EngineException.Code.PROMPT_TOO_LONG, "request " + request.id() + ": prompt of "
                    + prompt.length + " tokens plus max_tokens " + request.maxTokens()
                    + " exceeds the model's context of " + mc.contextLength());
        }
        long blocksNeeded = BlockTable.blocksFor((int) total, config.kvBlockSize());
        if (blocksNeeded > kv.numBlocks()) {
            throw new EngineException(EngineException.Code.DOES_NOT_FIT, "request " + request.id() + ": prompt of "
                    + prompt.length + " tokens plus max_tokens " + request.maxTokens() + " needs " + blocksNeeded
                    + " KV blocks, the pool has " + kv.numBlocks() + "; raise the KV cache budget");
        }
        int[] suppressed = request.ignoreEos() ? endOfGeneration : new int[0];
        Sampler sampler = new Sampler(request.sampling(), mc.vocabSize(), mc.contextLength(), suppressed);
        sampler.acceptAll(prompt);
        StopConditions stops = request.stopConditions(endOfGeneration);
        TextStream text = tokenizer == null ? TextStream.none()
                : new TextStream(tokenizer::decodeContinuation, new StopStrings(request.stopStrings()));
        return new Sequence(serials.incrementAndGet(), request, prompt, listener, sampler, stops, text,
                config.kvBlockSize(), now);
    }

    @Override
    public boolean cancel(String requestId) {
        boolean known = false;
        synchronized (settling) {
            for (Sequence s : live) {
                if (s.request.id().equals(requestId)) {
                    cancelAccepted.add(s);
                    known = true;
                }
            }
        }
        if (known) {
            cancellations.add(requestId);
            signal();
        }
        return known;
    }

    /**
     * The engine decides the outcome of a sequence that finished in a step, just before completing its future:
     * true when a cancel() was accepted first (it then ends CANCELLED, as cancel() promised), else false, and from
     * here on cancel() no longer knows it. Without this, a cancel() between the step that finished a sequence
     * and its completion answered true for a request that then ran to its end.
     */
    private boolean settle(Sequence s) {
        synchronized (settling) {
            live.remove(s);
            return cancelAccepted.remove(s);
        }
    }

    @Override
    public int contextLength() {
        return model.config().contextLength();
    }

    @Override
    public int vocabularySize() {
        return model.config().vocabSize();
    }

    @Override
    public String device() {
        Device d = model.backend().device();
        return d.kind() == Device.Kind.CPU ? model.placement() + " (" + io.sluice.tensor.Parallel.threads() + " threads)"
                : model.placement();
    }

    public EngineConfig config() {
        return config;
    }

    public LlamaModel model() {
        return model;
    }

    /** KV blocks the drafter holds for sequences (0 without a draft model), for leak checks. */
    int draftBlocksUsed() {
        Speculation sp = scheduler.speculation();
        return sp != null && sp.drafter() instanceof DraftModelDrafter d ? d.usedBlocks() : 0;
    }

    /** A snapshot of the engine's counters, refreshed after every step. */
    public EngineStats stats() {
        return stats;
    }

    @Override
    public void close() {
        closing = true;
        signal();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        Sequence late;
        while ((late = arrivals.poll()) != null) {
            late.future.completeExceptionally(closed());
        }
        if (scheduler.speculation() != null) {
            scheduler.speculation().close();
        }
        kv.close(); // frees its device memory now, not when the model closes
        if (ownsModel) {
            model.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static EngineException closed() {
        return new EngineException(EngineException.Code.ENGINE_CLOSED, "the engine is closed");
    }

    private void signal() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            Sequence s;
            while ((s = arrivals.poll()) != null) {
                scheduler.add(s);
            }
            String id;
            while ((id = cancellations.poll()) != null) {
                // the cancelled request may have arrived after the drain above
                while ((s = arrivals.poll()) != null) {
                    scheduler.add(s);
                }
                String target = id;
                for (Sequence c : scheduler.remove(q -> q.request.id().equals(target))) {
                    c.future.completeExceptionally(EngineException.cancelled(target));
                }
            }
            if (scheduler.hasWork()) {
                try {
                    scheduler.step();
                } catch (RuntimeException | Error e) {
                    // the scheduler isolates failed passes; what reaches here (an Error, a failure while planning)
                    // may have left any sequence half-done
                    LOG.error("engine step failed; failing the requests in flight", e);
                    for (Sequence f : scheduler.remove(q -> true)) {
                        f.future.completeExceptionally(new EngineException(EngineException.Code.INTERNAL,
                                "engine step failed: " + e, e));
                    }
                }
                publishStats();
                scheduler.completeFinished(this::settle);
                continue;
            }
            publishStats();
            if (closing && arrivals.isEmpty()) {
                return;
            }
            lock.lock();
            try {
                if (arrivals.isEmpty() && cancellations.isEmpty() && !closing) {
                    wake.awaitNanos(50_000_000L);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private void publishStats() {
        EngineCounters c = counters;
        int total = scheduler.allocator().totalBlocks();
        int used = scheduler.allocator().usedBlocks();
        long bytesPerBlock = kv.bytes() / kv.numBlocks();
        double busy = c.busyNanos / 1e9;
        stats = new EngineStats(scheduler.runningCount(), scheduler.waitingCount(), used, total - used, total,
                kv.blockSize(), bytesPerBlock, c.peakUsedBlocks * bytesPerBlock,
                scheduler.prefixCache() == null ? 0.0 : scheduler.prefixCache().hitRate(),
                scheduler.prefixCache() == null ? 0 : scheduler.prefixCache().hitTokens(),
                c.promptTokens, c.generatedTokens, c.completedRequests, c.steps, c.preemptions, busy,
                busy == 0 ? 0.0 : c.generatedTokens / busy, c.draftedTokens, c.acceptedTokens,
                c.draftedTokens == 0 ? 0.0 : (double) c.acceptedTokens / c.draftedTokens,
                c.sampledSlots == 0 ? 0.0 : (double) c.generatedTokens / c.sampledSlots);
    }
}
