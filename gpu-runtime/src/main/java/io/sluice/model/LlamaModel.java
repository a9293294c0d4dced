package io.sluice.model;

import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufMetadata;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.kv.KvCacheStorage;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.ComputeBackends;
import io.sluice.tensor.Device;
import io.sluice.tensor.DeviceRope;
import io.sluice.tensor.RopeTable;
import io.sluice.tensor.StepPlan;
import io.sluice.tensor.StepRows;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Llama-family transformer loaded from a GGUF file: read-only after loading, shared by every sequence and
 * thread. Per-sequence state lives outside, in the KV cache ({@link KvCacheStorage}) and the caller's block
 * tables. {@link #forward} runs any mix of prompt and decode rows from any sequences in one pass over the
 * weights; each row's result is bit-identical whatever else is in the batch.
 *
 * <p>The graph is written once against {@link ComputeBackend}; the backend is chosen per model by the
 * {@link Device} given at load (the CPU by default), and weights, KV cache and activations live in its memory.
 */
public final class LlamaModel implements AutoCloseable {

    private final GgufFile file;
    private final ModelConfig config;
    private final ComputeBackend backend;
    private final ModelWeights weights;
    private final DeviceRope rope;
    private final AttentionShape attention;
    /** The buffers of the last step, ready for the next; taken by one forward call at a time. */
    private final AtomicReference<StepBuffers> idle = new AtomicReference<>();

    private LlamaModel(GgufFile file, ModelConfig config, ComputeBackend backend, ModelWeights weights) {
        this.file = file;
        this.config = config;
        this.backend = backend;
        this.weights = weights;
        this.rope = backend.rope(new RopeTable(config.architecture().ropeStyle() == RopeStyle.HALVES,
                config.headDim(), config.ropeDimensions(), config.ropeTheta(), weights.ropeFreqFactors(),
                config.contextLength()));
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
        ComputeBackend backend = ComputeBackends.open(device);
        GgufFile file = GgufFile.open(path);
        try {
            return fromFile(file, backend);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static LlamaModel fromFile(GgufFile file, ComputeBackend backend) {
        GgufTensorInfo embedding = file.tensor("token_embd.weight");
        if (embedding.shape().length != 2 || embedding.shape()[1] <= 0 || embedding.shape()[1] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor 'token_embd.weight' has shape "
                    + Arrays.toString(embedding.shape()) + ", expected [dim, vocabulary]");
        }
        ModelConfig config = ModelConfig.fromGguf(file.metadata(), (int) embedding.shape()[1]);
        return new LlamaModel(file, config, backend, ModelWeights.load(file, config, backend));
    }

    /** The backend this model runs on. */
    public ComputeBackend backend() {
        return backend;
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

    /** Bytes one token occupies in a KV cache of this model. */
    public long kvBytesPerToken(boolean q8) {
        return KvCacheStorage.bytesPerToken(config.layers(), config.kvDim(), q8);
    }

    /** Allocates KV memory for this model. 8-bit storage needs head dimensions that are multiples of 32. */
    public KvCacheStorage newKvStorage(int numBlocks, int blockSize, boolean q8) {
        if (q8 && config.headDim() % 32 != 0) {
            throw new IllegalArgumentException("an 8-bit KV cache needs a head dimension that is a multiple of 32;"
                    + " this model's is " + config.headDim());
        }
        return backend.allocateKv(numBlocks, blockSize, config.layers(), config.kvDim(), q8);
    }

    /**
     * Runs one step. Writes every row's keys and values into its KV slot and returns the logits of the rows
     * that want them, concatenated in row order ({@code batch.logitRows() * vocabSize} floats).
     */
    public float[] forward(ForwardBatch batch, KvCacheStorage kv) {
        validate(batch, kv);
        int n = batch.size();
        int m = batch.logitRows();
        StepBuffers b = acquire(n, m);
        try {
            StepPlan plan = b.plan;
            plan.reset(n, kv.blockSize());
            for (int r = 0; r < n; r++) {
                plan.set(r, batch.token(r), batch.position(r), batch.blockTable(r), batch.wantsLogits(r));
            }
            StepRows rows = backend.upload(plan);
            run(rows, n, kv, b);
            float[] logits = new float[m * config.vocabSize()];
            if (m > 0) {
                backend.download(b.logits, m, logits);
            }
            return logits;
        } finally {
            release(b);
        }
    }

    /** The graph: embedding, the blocks, final norm and the output projection of the rows that want logits. */
    private void run(StepRows rows, int n, KvCacheStorage kv, StepBuffers b) {
        ModelConfig c = config;
        ComputeBackend be = backend;
        be.embed(weights.tokenEmbedding(), rows, b.x);
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = weights.layers()[l];
            be.rmsNorm(b.x, w.attnNorm(), c.rmsEps(), n, b.xb);
            be.matmul(w.qkv(), b.xb, n, b.qkv);
            if (w.bq() != null) {
                be.addBias(b.q, w.bq(), n);
                be.addBias(b.k, w.bk(), n);
                be.addBias(b.v, w.bv(), n);
            }
            be.rope(rope, b.q, c.heads(), rows);
            be.rope(rope, b.k, c.kvHeads(), rows);
            be.storeKv(kv, l, rows, b.k, b.v);
            be.attention(kv, l, rows, b.q, attention, b.att);
            be.matmul(w.wo(), b.att, n, b.o);
            be.add(b.x, b.o, n);
            be.rmsNorm(b.x, w.ffnNorm(), c.rmsEps(), n, b.xb);
            be.matmul(w.gateUp(), b.xb, n, b.gateUp);
            be.swiGlu(b.gate, b.up, n);
            be.matmul(w.wDown(), b.gate, n, b.o);
            be.add(b.x, b.o, n);
        }
        int m = rows.logitRows();
        if (m > 0) {
            be.gatherLogitRows(rows, b.x, b.selected);
            be.rmsNorm(b.selected, weights.outputNorm(), c.rmsEps(), m, b.normed);
            be.matmul(weights.output(), b.normed, m, b.logits);
        }
    }

    /**
     * The idle buffers if they are large enough, else new ones where each dimension that is too small (rows,
     * logit rows) grows to at least twice its size.
     */
    private StepBuffers acquire(int n, int m) {
        StepBuffers b = idle.getAndSet(null);
        if (b != null && b.fits(n, m)) {
            return b;
        }
        int rows = grown(n, b == null ? 0 : b.rows);
        int logitRows = grown(Math.max(m, 1), b == null ? 0 : b.logitRows);
        if (b != null) {
            b.close();
        }
        return new StepBuffers(backend, config, rows, logitRows);
    }

    /** Rows the idle step buffers hold (0 when none): for tests of their growth. */
    int bufferedRows() {
        StepBuffers b = idle.get();
        return b == null ? 0 : b.rows;
    }

    /** {@code have} when it holds {@code need}, else at least twice {@code have}: few re-allocations. */
    private static int grown(int need, int have) {
        return need <= have ? have : Math.max(need, 2 * have);
    }

    private void release(StepBuffers b) {
        StepBuffers previous = idle.getAndSet(b);
        if (previous != null && previous != b) {
            previous.close();
        }
    }

    private void validate(ForwardBatch batch, KvCacheStorage kv) {
        if (kv.layers() != config.layers() || kv.kvDim() != config.kvDim()) {
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

    @Override
    public void close() {
        StepBuffers b = idle.getAndSet(null);
        if (b != null) {
            b.close();
        }
        file.close();
    }
}
