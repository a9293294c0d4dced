package io.sluice.model;

import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufMetadata;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.kv.KvCacheStorage;
import io.sluice.tensor.Kernels;
import io.sluice.tensor.Parallel;
import io.sluice.tensor.WeightTensor;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A Llama-family transformer loaded from a GGUF file: read-only after loading, shared by every sequence and
 * thread. Per-sequence state lives outside, in the KV cache ({@link KvCacheStorage}) and the caller's block
 * tables. {@link #forward} runs any mix of prompt and decode rows from any sequences in one pass over the
 * weights; each row's result is bit-identical whatever else is in the batch.
 */
public final class LlamaModel implements AutoCloseable {

    private final GgufFile file;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Rope rope;
    private final float attentionScale;

    private LlamaModel(GgufFile file, ModelConfig config, ModelWeights weights) {
        this.file = file;
        this.config = config;
        this.weights = weights;
        this.rope = new Rope(config.architecture().ropeStyle(), config.headDim(), config.ropeDimensions(),
                config.ropeTheta(), weights.ropeFreqFactors(), config.contextLength());
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /** Opens and validates a GGUF model; the weights stay memory-mapped. */
    public static LlamaModel load(Path path) {
        GgufFile file = GgufFile.open(path);
        try {
            return fromFile(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static LlamaModel fromFile(GgufFile file) {
        GgufTensorInfo embedding = file.tensor("token_embd.weight");
        if (embedding.shape().length != 2 || embedding.shape()[1] <= 0 || embedding.shape()[1] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor 'token_embd.weight' has shape "
                    + Arrays.toString(embedding.shape()) + ", expected [dim, vocabulary]");
        }
        ModelConfig config = ModelConfig.fromGguf(file.metadata(), (int) embedding.shape()[1]);
        return new LlamaModel(file, config, ModelWeights.load(file, config));
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
        return KvCacheStorage.allocate(numBlocks, blockSize, config.layers(), config.kvDim(), q8);
    }

    /**
     * Runs one step. Writes every row's keys and values into its KV slot and returns the logits of the rows
     * that want them, concatenated in row order ({@code batch.logitRows() * vocabSize} floats).
     */
    public float[] forward(ForwardBatch batch, KvCacheStorage kv) {
        int n = batch.size();
        ModelConfig c = config;
        validate(batch, kv);
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        float[] x = new float[n * dim];
        float[] xb = new float[n * dim];
        float[] q = new float[n * qDim];
        float[] k = new float[n * kvDim];
        float[] v = new float[n * kvDim];
        float[] att = new float[n * qDim];
        float[] o = new float[n * dim];
        float[] gate = new float[n * c.ffn()];
        float[] up = new float[n * c.ffn()];
        int[] slots = new int[n];
        for (int r = 0; r < n; r++) {
            weights.tokenEmbedding().dequantizeRow(batch.token(r), x, r * dim);
            int p = batch.position(r);
            slots[r] = batch.blockTable(r)[p / kv.blockSize()] * kv.blockSize() + p % kv.blockSize();
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = weights.layers()[l];
            rmsNorm(x, xb, w.attnNorm(), n, dim, c.rmsEps());
            Kernels.matmulAll(w.qkv(), xb, n, new float[][] {q, k, v});
            if (w.bq() != null) {
                addBias(q, w.bq(), n);
                addBias(k, w.bk(), n);
                addBias(v, w.bv(), n);
            }
            for (int r = 0; r < n; r++) {
                rope.apply(q, r * qDim, c.heads(), batch.position(r));
                rope.apply(k, r * kvDim, c.kvHeads(), batch.position(r));
                kv.write(l, slots[r], k, r * kvDim, v, r * kvDim);
            }
            attention(batch, kv, l, q, att);
            Kernels.matmul(w.wo(), att, n, o);
            add(x, o);
            rmsNorm(x, xb, w.ffnNorm(), n, dim, c.rmsEps());
            Kernels.matmulAll(w.gateUp(), xb, n, new float[][] {gate, up});
            swiGlu(gate, up);
            Kernels.matmul(w.wDown(), gate, n, o);
            add(x, o);
        }
        return logits(batch, x);
    }

    private float[] logits(ForwardBatch batch, float[] x) {
        int m = batch.logitRows();
        int dim = config.dim();
        float[] selected = new float[m * dim];
        int j = 0;
        for (int r = 0; r < batch.size(); r++) {
            if (batch.wantsLogits(r)) {
                System.arraycopy(x, r * dim, selected, j++ * dim, dim);
            }
        }
        float[] normed = new float[m * dim];
        rmsNorm(selected, normed, weights.outputNorm(), m, dim, config.rmsEps());
        float[] logits = new float[m * config.vocabSize()];
        if (m > 0) {
            Kernels.matmul(weights.output(), normed, m, logits);
        }
        return logits;
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

    /** Causal attention of every row over its own sequence, one task per (row, head). */
    private void attention(ForwardBatch batch, KvCacheStorage kv, int layer, float[] q, float[] att) {
        int n = batch.size();
        int heads = config.heads();
        int headDim = config.headDim();
        int group = heads / config.kvHeads();
        int qDim = config.qDim();
        int blockSize = kv.blockSize();
        Parallel.forRange(n * heads, Parallel.threads() * 2, (start, end) -> {
            float[] scores = null;
            for (int task = start; task < end; task++) {
                int r = task / heads;
                int h = task % heads;
                int p = batch.position(r);
                int[] table = batch.blockTable(r);
                int qOffset = r * qDim + h * headDim;
                int kvOffset = (h / group) * headDim;
                if (scores == null || scores.length < p + 1) {
                    scores = new float[Math.max(p + 1, 64)];
                }
                // Scores and values a block at a time: slots within a block are consecutive.
                for (int t0 = 0; t0 <= p; t0 += blockSize) {
                    int count = Math.min(blockSize, p + 1 - t0);
                    kv.dotKeys(layer, table[t0 / blockSize] * blockSize, count, kvOffset, q, qOffset, headDim,
                            scores, t0);
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t <= p; t++) {
                    float s = scores[t] * attentionScale;
                    scores[t] = s;
                    max = Math.max(max, s);
                }
                float sum = 0f;
                for (int t = 0; t <= p; t++) {
                    float e = (float) Math.exp(scores[t] - max);
                    scores[t] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int t = 0; t <= p; t++) {
                    scores[t] *= inv;
                }
                Arrays.fill(att, qOffset, qOffset + headDim, 0f);
                for (int t0 = 0; t0 <= p; t0 += blockSize) {
                    int count = Math.min(blockSize, p + 1 - t0);
                    kv.addValues(layer, table[t0 / blockSize] * blockSize, count, kvOffset, scores, t0, att, qOffset,
                            headDim);
                }
            }
        });
    }

    /** y = x / rms(x) * weight, per row; the sum of squares in double, in index order. */
    static void rmsNorm(float[] x, float[] y, float[] weight, int rows, int dim, float eps) {
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) {
                float xi = x[base + i];
                ss += xi * xi;
            }
            float mean = (float) (ss / dim);
            float scale = 1f / (float) Math.sqrt(mean + eps);
            for (int i = 0; i < dim; i++) {
                y[base + i] = x[base + i] * scale * weight[i];
            }
        }
    }

    private static void addBias(float[] x, float[] bias, int rows) {
        int d = bias.length;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < d; i++) {
                x[r * d + i] += bias[i];
            }
        }
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    /** gate = silu(gate) * up. */
    private static void swiGlu(float[] gate, float[] up) {
        for (int i = 0; i < gate.length; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    @Override
    public void close() {
        file.close();
    }
}
