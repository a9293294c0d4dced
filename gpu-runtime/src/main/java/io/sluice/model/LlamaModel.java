package io.sluice.model;

import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufMetadata;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.kv.SplitKvCache;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.ComputeBackends;
import io.sluice.tensor.Device;
import io.sluice.tensor.RopeTable;
import io.sluice.tensor.StepPlan;
import io.sluice.tensor.StepRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Llama-family transformer loaded from a GGUF file: read-only after loading, shared by every sequence and
 * thread. Per-sequence state lives outside, in the KV cache ({@link KvCacheStorage}) and the caller's block
 * tables. {@link #forward} runs any mix of prompt and decode rows from any sequences in one pass over the
 * weights; each row's result is bit-identical whatever else is in the batch.
 *
 * <p>The graph is written once against {@link ComputeBackend}; the backend is chosen per model by the
 * {@link Device} given at load (the CPU by default), and weights, KV cache and activations live in its memory.
 * Given several devices, the model splits its layers over them ({@link LayerSplit}): each device holds and runs
 * its layers and their part of the KV cache ({@link SplitKvCache}, one block table for all), the first also the
 * embedding, the last the output projection; the residual stream moves from one device to the next once per
 * step. Every operation runs as it would on one device, so a split gives the same bits as one device of the
 * same kind.
 *
 * <p>{@link #close} frees the weights and activations on every device (the KV caches are their allocators');
 * a closed model refuses use.
 */
public final class LlamaModel implements AutoCloseable {

    private final GgufFile file;
    private final ModelConfig config;
    private final LayerSplit split;
    private final Stage[] stages;
    private final AttentionShape attention;
    /** The buffers of the last step (one per device), ready for the next; taken by one forward call at a time. */
    private final AtomicReference<StepBuffers[]> idle = new AtomicReference<>();
    private volatile boolean closed;

    private LlamaModel(GgufFile file, ModelConfig config, LayerSplit split, Stage[] stages) {
        this.file = file;
        this.config = config;
        this.split = split;
        this.stages = stages;
        this.attention = new AttentionShape(config.heads(), config.kvHeads(), config.headDim(),
                (float) (1.0 / Math.sqrt(config.headDim())));
    }

    /** Opens and validates a GGUF model on the CPU; the weights stay memory-mapped. */
    public static LlamaModel load(Path path) {
        return load(path, Device.CPU);
    }

    /**
     * Opens and validates a GGUF model and prepares its weights on {@code device}.
     *
     * @throws IllegalStateException when the device cannot be used here (with the reason)
     */
    public static LlamaModel load(Path path, Device device) {
        return load(path, List.of(device));
    }

    /**
     * Opens and validates a GGUF model and splits its layers over {@code devices} (one kind, in layer order):
     * by what each device's memory budget has left where the devices have budgets
     * ({@link LayerSplit#byMemory}), else evenly. One device runs every layer.
     *
     * @throws IllegalStateException when a device cannot be used here (with the reason)
     * @throws IllegalArgumentException when the devices are not a valid list or the model does not fit them
     */
    public static LlamaModel load(Path path, List<Device> devices) {
        List<ComputeBackend> backends = new ArrayList<>();
        for (Device d : Device.checkList(devices)) {
            backends.add(ComputeBackends.open(d));
        }
        GgufFile file = GgufFile.open(path);
        try {
            return fromFile(file, backends);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static LlamaModel fromFile(GgufFile file, List<ComputeBackend> backends) {
        GgufTensorInfo embedding = file.tensor("token_embd.weight");
        if (embedding.shape().length != 2 || embedding.shape()[1] <= 0 || embedding.shape()[1] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor 'token_embd.weight' has shape "
                    + Arrays.toString(embedding.shape()) + ", expected [dim, vocabulary]");
        }
        ModelConfig config = ModelConfig.fromGguf(file.metadata(), (int) embedding.shape()[1]);
        LayerSplit split = plan(file, config, backends);
        Stage[] stages = new Stage[backends.size()];
        try {
            for (int d = 0; d < stages.length; d++) {
                stages[d] = stage(file, config, backends.get(d), split.first(d), split.end(d), d == 0,
                        d == stages.length - 1);
            }
        } catch (RuntimeException e) {
            for (Stage s : stages) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        }
        return new LlamaModel(file, config, split, stages);
    }

    /** Even over backends without a budget of their own (the CPU); else by what each budget has left. */
    private static LayerSplit plan(GgufFile file, ModelConfig config, List<ComputeBackend> backends) {
        int devices = backends.size();
        long[] budgets = new long[devices];
        for (int d = 0; d < devices; d++) {
            OptionalLong left = backends.get(d).memoryLeft();
            if (left.isEmpty() || devices == 1) {
                ModelWeights.checkBlockCount(file, config);
                return LayerSplit.even(config.layers(), devices);
            }
            budgets[d] = left.getAsLong();
        }
        long[] ends = ModelWeights.endBytes(file, config);
        long[] fixed = new long[devices];
        fixed[0] += ends[0];
        fixed[devices - 1] += ends[1];
        return LayerSplit.byMemory(ModelWeights.layerBytes(file, config), budgets, fixed);
    }

    private static Stage stage(GgufFile file, ModelConfig config, ComputeBackend backend, int first, int end,
            boolean isFirst, boolean isLast) {
        ModelWeights weights = ModelWeights.load(file, config, backend, first, end, isFirst, isLast);
        try {
            return new Stage(backend, first, end, weights, backend.rope(new RopeTable(
                    config.architecture().ropeStyle() == RopeStyle.HALVES, config.headDim(), config.ropeDimensions(),
                    config.ropeTheta(), weights.ropeFreqFactors(), config.contextLength())));
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** The backend of the first device (the only one unless the layers are split). */
    public ComputeBackend backend() {
        return stages[0].backend;
    }

    /** The backend of each device, in layer order. */
    public List<ComputeBackend> backends() {
        List<ComputeBackend> all = new ArrayList<>(stages.length);
        for (Stage s : stages) {
            all.add(s.backend);
        }
        return all;
    }

    /** The devices the model runs on, in layer order. */
    public List<Device> devices() {
        return backends().stream().map(ComputeBackend::device).toList();
    }

    /** Which layers run on which device. */
    public LayerSplit split() {
        return split;
    }

    /** "cuda:0 (layers 0-15), cuda:1 (layers 16-31)", or the one device's name. */
    public String placement() {
        if (stages.length == 1) {
            return stages[0].backend.device().toString();
        }
        StringBuilder b = new StringBuilder();
        for (Stage s : stages) {
            b.append(b.length() == 0 ? "" : ", ").append(s.backend.device()).append(" (layers ").append(s.first)
                    .append('-').append(s.end - 1).append(')');
        }
        return b.toString();
    }

    public ModelConfig config() {
        return config;
    }

    public GgufMetadata metadata() {
        return file.metadata();
    }

    public Path path() {
        return file.path();
    }

    /** Bytes of the file's tensor data (what a decode step reads). */
    public long weightBytes() {
        long total = 0;
        for (GgufTensorInfo t : file.tensors()) {
            total += t.byteSize();
        }
        return total;
    }

    /** Bytes one token occupies in a KV cache of this model stored as {@code type} (all devices together). */
    public long kvBytesPerToken(KvType type) {
        return type.bytesPerToken(config.layers(), config.kvDim());
    }

    /**
     * Allocates KV memory for this model, stored as {@code type}: on a split model, each device's part for its
     * layers. 8-bit storage needs head dimensions that are multiples of 32. The caller owns it and closes it.
     */
    public KvCacheStorage newKvStorage(int numBlocks, int blockSize, KvType type) {
        checkOpen();
        type.checkHeadDim(config.headDim());
        if (stages.length == 1) {
            return stages[0].backend.allocateKv(numBlocks, blockSize, config.layers(), config.kvDim(), type);
        }
        List<KvCacheStorage> parts = new ArrayList<>(stages.length);
        try {
            for (Stage s : stages) {
                parts.add(s.backend.allocateKv(numBlocks, blockSize, s.layers(), config.kvDim(), type));
            }
            return new SplitKvCache(parts);
        } catch (RuntimeException e) {
            parts.forEach(KvCacheStorage::close);
            throw e;
        }
    }

    /**
     * How many KV blocks fit what every device's budget has left, each device holding its layers' part and
     * {@code workspace} more bytes of activations; empty when the devices have no budgets of their own (the
     * CPU, whose cache the engine sizes from the heap).
     *
     * @throws IllegalStateException (a {@code CudaUnavailableException} on CUDA) when a device has too little room
     */
    public OptionalInt kvBlocksThatFit(int blockSize, KvType type, long workspace) {
        int blocks = Integer.MAX_VALUE;
        for (Stage s : stages) {
            OptionalInt fit = s.backend.kvBlocksThatFit(blockSize, s.layers(), config.kvDim(), type, workspace);
            if (fit.isEmpty()) {
                return OptionalInt.empty();
            }
            blocks = Math.min(blocks, fit.getAsInt());
        }
        return OptionalInt.of(blocks);
    }

    /**
     * Runs one step. Writes every row's keys and values into its KV slot and returns the logits of the rows
     * that want them, concatenated in row order ({@code batch.logitRows() * vocabSize} floats).
     *
     * @throws IllegalStateException when the model or the KV cache is closed
     */
    public float[] forward(ForwardBatch batch, KvCacheStorage kv) {
        return forward(batch, kv, null);
    }

    /**
     * {@link #forward(ForwardBatch, KvCacheStorage)} into {@code reuse} when it holds the step's logits (they
     * fill its start; it may be longer), else into a new array: a caller that passes each step the array of the
     * last one allocates nothing once it is large enough.
     *
     * @throws IllegalStateException when the model or the KV cache is closed
     */
    public float[] forward(ForwardBatch batch, KvCacheStorage kv, float[] reuse) {
        checkOpen();
        kv.checkOpen();
        validate(batch, kv);
        int n = batch.size();
        int m = batch.logitRows();
        StepBuffers[] buffers = acquire(n, m);
        try {
            StepPlan plan = buffers[0].plan;
            plan.reset(n, kv.blockSize());
            for (int r = 0; r < n; r++) {
                plan.set(r, batch.token(r), batch.position(r), batch.blockTable(r), batch.wantsLogits(r));
            }
            StepRows rows = null;
            for (int d = 0; d < stages.length; d++) {
                Stage s = stages[d];
                rows = s.backend.upload(plan);
                if (d == 0) {
                    s.backend.embed(s.weights.tokenEmbedding(), rows, buffers[d].x);
                } else {
                    handOver(stages[d - 1], buffers[d - 1], s, buffers[d], n);
                }
                runLayers(s, rows, n, part(kv, d), buffers[d]);
            }
            int length = m * config.vocabSize();
            float[] logits = reuse != null && reuse.length >= length ? reuse : new float[length];
            if (m > 0) {
                // on the last device, with its rows
                Stage last = stages[stages.length - 1];
                StepBuffers b = buffers[stages.length - 1];
                logits(last, rows, m, b);
                last.backend.download(b.logits, m, logits);
            }
            return logits;
        } finally {
            release(buffers);
        }
    }

    /** The residual stream of the step's rows from one device to the next: directly where they can, else via the host. */
    private void handOver(Stage from, StepBuffers fromBuffers, Stage to, StepBuffers toBuffers, int n) {
        if (!from.backend.copyTo(fromBuffers.x, n, to.backend, toBuffers.x)) {
            float[] host = toBuffers.inbound(n * config.dim());
            from.backend.download(fromBuffers.x, n, host);
            to.backend.upload(host, n, toBuffers.x);
        }
    }

    /** The device's part of the KV cache. */
    private KvCacheStorage part(KvCacheStorage kv, int device) {
        return kv instanceof SplitKvCache split ? split.part(device) : kv;
    }

    /** The blocks of one device: its layers, with the layer index local to its part of the KV cache. */
    private void runLayers(Stage s, StepRows rows, int n, KvCacheStorage kv, StepBuffers b) {
        ModelConfig c = config;
        ComputeBackend be = s.backend;
        for (int i = 0; i < s.layers(); i++) {
            LayerWeights w = s.weights.layers()[i];
            be.rmsNorm(b.x, w.attnNorm(), c.rmsEps(), n, b.xb);
            be.matmul(w.qkv(), b.xb, n, b.qkv);
            if (w.bq() != null) {
                be.addBias(b.q, w.bq(), n);
                be.addBias(b.k, w.bk(), n);
                be.addBias(b.v, w.bv(), n);
            }
            be.rope(s.rope, b.q, c.heads(), rows);
            be.rope(s.rope, b.k, c.kvHeads(), rows);
            be.storeKv(kv, i, rows, b.k, b.v);
            be.attention(kv, i, rows, b.q, attention, b.att);
            be.matmul(w.wo(), b.att, n, b.o);
            be.add(b.x, b.o, n);
            be.rmsNorm(b.x, w.ffnNorm(), c.rmsEps(), n, b.xb);
            be.matmul(w.gateUp(), b.xb, n, b.gateUp);
            be.swiGlu(b.gate, b.up, n);
            be.matmul(w.wDown(), b.gate, n, b.o);
            be.add(b.x, b.o, n);
        }
    }

    /** Final norm and output projection of the rows that want logits, on the last device. */
    private void logits(Stage last, StepRows rows, int m, StepBuffers b) {
        ComputeBackend be = last.backend;
        be.gatherLogitRows(rows, b.x, b.selected);
        be.rmsNorm(b.selected, last.weights.outputNorm(), config.rmsEps(), m, b.normed);
        be.matmul(last.weights.output(), b.normed, m, b.logits);
    }

    /**
     * The idle buffers if they are large enough, else new ones where each dimension that is too small (rows,
     * logit rows) grows to at least twice its size.
     */
    private StepBuffers[] acquire(int n, int m) {
        StepBuffers[] b = idle.getAndSet(null);
        if (b != null && b[0].fits(n, m)) {
            return b;
        }
        int rows = grown(n, b == null ? 0 : b[0].rows);
        int logitRows = grown(Math.max(m, 1), b == null ? 0 : b[0].logitRows);
        if (b != null) {
            close(b);
        }
        StepBuffers[] made = new StepBuffers[stages.length];
        try {
            for (int d = 0; d < stages.length; d++) {
                made[d] = new StepBuffers(stages[d].backend, config, rows, logitRows, d == stages.length - 1);
            }
        } catch (RuntimeException e) {
            close(made);
            throw e;
        }
        return made;
    }

    private static void close(StepBuffers[] buffers) {
        for (StepBuffers s : buffers) {
            if (s != null) {
                s.close();
            }
        }
    }

    /** Rows the idle step buffers hold (0 when none): for tests of their growth. */
    int bufferedRows() {
        StepBuffers[] b = idle.get();
        return b == null ? 0 : b[0].rows;
    }

    /** {@code have} when it holds {@code need}, else at least twice {@code have}: few re-allocations. */
    private static int grown(int need, int have) {
        return need <= have ? have : Math.max(need, 2 * have);
    }

    private void release(StepBuffers[] b) {
        StepBuffers[] previous = idle.getAndSet(b);
        if (previous != null && previous != b) {
            close(previous);
        }
        if (closed) {
            // closed while this step ran: what it used is freed here, not by close()
            StepBuffers[] left = idle.getAndSet(null);
            if (left != null) {
                close(left);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model " + file.path().getFileName() + " is closed");
        }
    }

    private void validate(ForwardBatch batch, KvCacheStorage kv) {
        if (kv.layers() != config.layers() || kv.kvDim() != config.kvDim() || !fitsStages(kv)) {
            throw new IllegalArgumentException("KV storage does not belong to this model");
        }
        for (int r = 0; r < batch.size(); r++) {
            int token = batch.token(r);
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " outside the vocabulary of "
                        + config.vocabSize());
            }
            int p = batch.position(r);
            if (p >= config.contextLength()) {
                throw new IllegalArgumentException("position " + p + " beyond the context length "
                        + config.contextLength());
            }
            int[] table = batch.blockTable(r);
            int block = p / kv.blockSize();
            if (table == null || block >= table.length || table[block] < 0 || table[block] >= kv.numBlocks()) {
                throw new IllegalArgumentException("row " + r + ": no KV block for position " + p);
            }
        }
    }

    /** Whether the cache has one part per device, each for that device's layers (one plain cache for one device). */
    private boolean fitsStages(KvCacheStorage kv) {
        if (!(kv instanceof SplitKvCache split)) {
            return stages.length == 1;
        }
        if (split.partCount() != stages.length) {
            return false;
        }
        for (int d = 0; d < stages.length; d++) {
            if (split.part(d).layers() != stages[d].layers()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Frees the model's weights, RoPE tables and activation buffers on every device and unmaps the file;
     * idempotent. Call it once no step runs; afterwards the model refuses use.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        StepBuffers[] b = idle.getAndSet(null);
        try {
            if (b != null) {
                close(b);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Stage s : stages) {
            try {
                s.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        file.close();
        if (failure != null) {
            throw failure;
        }
    }
}
