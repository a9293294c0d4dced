package io.sluice.tools;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufMetadata;
import io.sluice.gguf.GgufWriter;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tensor.quant.Quantizer;
import io.sluice.tensor.quant.TensorTypePolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a GGUF file of a Llama shape with random weights, with llama.cpp's metadata keys and tensor names,
 * for benchmarks and tests at model sizes no real file here has. Weights are uniform in +-1/sqrt(fan_in) so
 * activations stay in a sane range; norm weights are near 1. Every tensor is generated row block by row
 * block while the file is written, from a random stream seeded by the seed and the tensor's name, so the
 * model never sits in memory and the same settings give the same file. The weight matrices take any type
 * {@code sluice quantize} writes ({@link QuantType}, the mixes Q4_K_M and Q5_K_M included), each tensor the
 * type {@link TensorTypePolicy} gives it and quantized by the same {@link Quantizer}: the file equals what
 * quantizing the F32 model of the same settings gives.
 */
public final class ModelSynthesizer {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSynthesizer.class);
    private static final int ROWS_PER_CHUNK = 64;

    private final int dim;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int ffn;
    private final int vocab;
    private final int context;
    private final QuantType type;
    private final TensorTypePolicy policy;
    private final long seed;
    private final Path vocabFrom;
    private final String name;

    private ModelSynthesizer(Builder b, int kvHeads, int ffn, int vocab) {
        this.dim = b.dim;
        this.layers = b.layers;
        this.heads = b.heads;
        this.kvHeads = kvHeads;
        this.ffn = ffn;
        this.vocab = vocab;
        this.context = b.context;
        this.type = b.type;
        // Every layer has an attn_v, and the output matrix is its own (untied), as quantize sees this file.
        this.policy = new TensorTypePolicy(b.type, b.layers, b.layers, false);
        this.seed = b.seed;
        this.vocabFrom = b.vocabFrom;
        this.name = b.name != null ? b.name : "synthetic-llama-" + b.dim + "x" + b.layers;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The vocabulary size (from --vocab-from's file when given). */
    public int vocab() {
        return vocab;
    }

    /** Number of tensors the file holds. */
    public int tensorCount() {
        return 3 + 9 * layers;
    }

    /**
     * The size of the file {@link #write} makes, in bytes: exact for the tensors, an upper estimate for the
     * metadata (the vocabulary's strings), so that a caller can say it and check the free space first.
     */
    public long estimatedFileBytes() {
        // Layers differ only where a mix gives some of them more bits: the last layer always gets them, layer
        // layers / 8 never (unless every layer does).
        long moreBits = moreBitsLayers(layers);
        long perLayerMore = layerBytes(layers - 1);
        long perLayerPlain = moreBits < layers ? layerBytes(layers / 8) : 0;
        long head = padded(GgmlType.F32.bytesFor(dim)) + padded(matrixBytes("token_embd.weight", dim, vocab))
                + padded(matrixBytes("output.weight", dim, vocab)) + 64L * 1024 + 96L * vocab;
        try {
            return Math.addExact(head, Math.addExact(Math.multiplyExact(moreBits, perLayerMore),
                    Math.multiplyExact(layers - moreBits, perLayerPlain)));
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // no disk holds it anyway
        }
    }

    /** The bytes of layer {@code l}'s tensors in the file, padding included. */
    private long layerBytes(int l) {
        int kvDim = kvHeads * (dim / heads);
        String p = "blk." + l + ".";
        return 2 * padded(GgmlType.F32.bytesFor(dim)) + padded(matrixBytes(p + "attn_q.weight", dim, dim))
                + padded(matrixBytes(p + "attn_k.weight", dim, kvDim))
                + padded(matrixBytes(p + "attn_v.weight", dim, kvDim))
                + padded(matrixBytes(p + "attn_output.weight", dim, dim))
                + padded(matrixBytes(p + "ffn_gate.weight", dim, ffn)) + padded(matrixBytes(p + "ffn_up.weight", dim, ffn))
                + padded(matrixBytes(p + "ffn_down.weight", ffn, dim));
    }

    /**
     * How many of {@code n} layers {@link TensorTypePolicy#useMoreBits} picks, without asking it n times (a
     * size refused for the disk may have billions of layers): the first eighth, the last eighth, and every
     * third layer between.
     */
    static long moreBitsLayers(int n) {
        long first = n / 8;
        long last = 7L * n / 8;
        return first + (n - last) + (last - first) / 3;
    }

    private long matrixBytes(String tensor, int cols, int rows) {
        return policy.typeFor(tensor, cols).bytesFor(cols) * rows;
    }

    private static long padded(long bytes) {
        return (bytes + GgufFile.DEFAULT_ALIGNMENT - 1) / GgufFile.DEFAULT_ALIGNMENT * GgufFile.DEFAULT_ALIGNMENT;
    }

    /** Writes the model file. */
    public void write(Path out) throws IOException {
        GgufWriter w = new GgufWriter();
        int headDim = dim / heads;
        w.putString("general.architecture", "llama")
                .putString("general.name", name)
                .putUInt32("llama.context_length", context)
                .putUInt32("llama.embedding_length", dim)
                .putUInt32("llama.block_count", layers)
                .putUInt32("llama.feed_forward_length", ffn)
                .putUInt32("llama.rope.dimension_count", headDim)
                .putUInt32("llama.attention.head_count", heads)
                .putUInt32("llama.attention.head_count_kv", kvHeads)
                .putFloat32("llama.rope.freq_base", 10000f)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putUInt32(LlamaFileType.KEY, type.llamaFileType());
        if (type.isQuantized()) {
            w.putUInt32(LlamaFileType.QUANTIZATION_VERSION_KEY, LlamaFileType.QUANTIZATION_VERSION);
        }
        if (vocabFrom != null) {
            try (GgufFile source = GgufFile.open(vocabFrom)) {
                GgufMetadata m = source.metadata();
                for (String key : m.keys()) {
                    if (key.startsWith("tokenizer.")) {
                        w.put(key, m.typeOf(key), m.get(key));
                    }
                }
            }
        } else {
            putMinimalVocabulary(w, vocab);
        }

        int kvDim = kvHeads * headDim;
        weight(w, "token_embd.weight", dim, vocab);
        norm(w, "output_norm.weight");
        weight(w, "output.weight", dim, vocab);
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            norm(w, p + "attn_norm.weight");
            weight(w, p + "attn_q.weight", dim, dim);
            weight(w, p + "attn_k.weight", dim, kvDim);
            weight(w, p + "attn_v.weight", dim, kvDim);
            weight(w, p + "attn_output.weight", dim, dim);
            norm(w, p + "ffn_norm.weight");
            weight(w, p + "ffn_gate.weight", dim, ffn);
            weight(w, p + "ffn_up.weight", dim, ffn);
            weight(w, p + "ffn_down.weight", ffn, dim);
        }
        long start = System.nanoTime();
        w.write(out);
        LOG.info("wrote {} ({} tensors, {}) in {} ms", out, tensorCount(), type, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * A SentencePiece-style ("llama") vocabulary: {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte
     * tokens when the size allows, then placeholder pieces {@code t<id>}.
     */
    static void putMinimalVocabulary(GgufWriter w, int size) {
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens[0] = "<unk>";
        types[0] = 2; // UNKNOWN
        tokens[1] = "<s>";
        types[1] = 3; // CONTROL
        tokens[2] = "</s>";
        types[2] = 3;
        int next = 3;
        if (size >= 3 + 256) {
            for (int b = 0; b < 256; b++) {
                tokens[next] = String.format("<0x%02X>", b);
                types[next] = 6; // BYTE
                next++;
            }
        }
        for (int i = next; i < size; i++) {
            tokens[i] = "t" + i;
            scores[i] = -(i - next); // earlier pieces merge first
            types[i] = 1; // NORMAL
        }
        w.putString("tokenizer.ggml.model", "llama")
                .putStringArray("tokenizer.ggml.tokens", tokens)
                .putFloatArray("tokenizer.ggml.scores", scores)
                .putIntArray("tokenizer.ggml.token_type", types)
                .putUInt32("tokenizer.ggml.unknown_token_id", 0)
                .putUInt32("tokenizer.ggml.bos_token_id", 1)
                .putUInt32("tokenizer.ggml.eos_token_id", 2);
    }

    private void norm(GgufWriter w, String tensor) {
        SplittableRandom random = randomFor(tensor);
        float[] values = new float[dim];
        for (int i = 0; i < dim; i++) {
            values[i] = 1f + (float) (random.nextDouble() - 0.5) * 0.02f;
        }
        w.addTensor(tensor, GgmlType.F32, new long[] {dim}, Quantizer.quantize(GgmlType.F32, values));
    }

    /** A matrix of {@code rows} rows of {@code cols} (= ne0, the fan-in) in the type the policy gives it. */
    private void weight(GgufWriter w, String tensor, int cols, int rows) {
        GgmlType type = policy.typeFor(tensor, cols);
        w.addTensor(tensor, type, new long[] {cols, rows}, out -> writeRandomRows(out, tensor, type, cols, rows));
    }

    private void writeRandomRows(OutputStream out, String tensor, GgmlType type, int cols, int rows)
            throws IOException {
        SplittableRandom random = randomFor(tensor);
        double scale = 2.0 / Math.sqrt(cols);
        int rowBytes = (int) type.bytesFor(cols);
        float[] values = new float[cols * Math.min(ROWS_PER_CHUNK, rows)];
        ByteBuffer chunk = ByteBuffer.allocate(rowBytes * Math.min(ROWS_PER_CHUNK, rows));
        for (int row = 0; row < rows; row += ROWS_PER_CHUNK) {
            int n = Math.min(ROWS_PER_CHUNK, rows - row);
            for (int i = 0; i < n * cols; i++) {
                values[i] = (float) ((random.nextDouble() - 0.5) * scale);
            }
            chunk.clear();
            Quantizer.quantize(type, values, 0, n * cols, chunk);
            out.write(chunk.array(), 0, chunk.position());
        }
    }

    private SplittableRandom randomFor(String tensor) {
        long h = seed;
        for (int i = 0; i < tensor.length(); i++) {
            h = h * 0x100000001B3L ^ tensor.charAt(i);
        }
        return new SplittableRandom(h);
    }

    /** Settings of a synthetic model; {@link #build()} checks them. */
    public static final class Builder {
        private int dim = 64;
        private int layers = 2;
        private int heads = 4;
        private Integer kvHeads;
        private Integer ffn;
        private Integer vocab;
        private int context = 256;
        private QuantType type = QuantType.F32;
        private long seed = 42;
        private Path vocabFrom;
        private String name;

        public Builder dim(int v) {
            dim = v;
            return this;
        }

        public Builder layers(int v) {
            layers = v;
            return this;
        }

        public Builder heads(int v) {
            heads = v;
            return this;
        }

        /** Default: the number of query heads. */
        public Builder kvHeads(int v) {
            kvHeads = v;
            return this;
        }

        /** Default: 4 * dim. */
        public Builder ffn(int v) {
            ffn = v;
            return this;
        }

        /** Default: the vocabulary of {@link #vocabFrom}, else 512. */
        public Builder vocab(int v) {
            vocab = v;
            return this;
        }

        public Builder context(int v) {
            context = v;
            return this;
        }

        /** Every weight matrix in this type: F32, F16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K. */
        public Builder type(GgmlType v) {
            type = Arrays.stream(QuantType.values()).filter(t -> !t.isMix() && t.base() == v).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("type must be one of " + QuantType.names()
                            + ", not " + v));
            return this;
        }

        /** The weight matrices' types, as {@code sluice quantize} chooses them for this type or mix. */
        public Builder type(QuantType v) {
            type = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Copies every {@code tokenizer.*} key of this GGUF file. */
        public Builder vocabFrom(Path v) {
            vocabFrom = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        /** Checks the settings; throws IllegalArgumentException naming the first problem. */
        public ModelSynthesizer build() {
            // unset means the default; a value given is checked as given (-1 is not "default")
            int kvHeads = this.kvHeads != null ? this.kvHeads : heads;
            int ffn = this.ffn != null ? this.ffn : (int) Math.min(Integer.MAX_VALUE, 4L * dim);
            positive("dim", dim);
            positive("layers", layers);
            positive("heads", heads);
            positive("kv-heads", kvHeads);
            positive("ffn", ffn);
            positive("context", context);
            GgmlType base = type.base();
            if (dim % heads != 0) {
                throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads);
            }
            if ((dim / heads) % 2 != 0) {
                throw new IllegalArgumentException("head size " + dim / heads + " (dim / heads) must be even for RoPE");
            }
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads " + heads + " is not divisible by kv-heads " + kvHeads);
            }
            // Every matrix has rows of dim or ffn: whole blocks of the base type (and of Q6_K, a mix's other type,
            // whose blocks are as long as the base's), so that no matrix falls back to another type.
            if (!base.fitsRow(dim) || !base.fitsRow(ffn)) {
                throw new IllegalArgumentException(type + " needs dim and ffn to be multiples of "
                        + base.blockSize() + " (dim " + dim + ", ffn " + ffn + ")");
            }
            if (vocab != null) {
                positive("vocab", vocab);
            }
            int size = vocab != null ? vocab : 512;
            if (vocabFrom != null) {
                int fileVocab;
                try (GgufFile f = GgufFile.open(vocabFrom)) {
                    fileVocab = f.metadata().getStringArray("tokenizer.ggml.tokens").length;
                }
                if (vocab != null && size != fileVocab) {
                    throw new IllegalArgumentException("vocab " + size + " differs from the " + fileVocab
                            + " tokens of " + vocabFrom);
                }
                size = fileVocab;
            }
            if (size < 3) {
                throw new IllegalArgumentException("vocab must be at least 3 (<unk>, <s>, </s>), not " + size);
            }
            long cols = Math.max(dim, ffn);
            long rows = Math.max(size, cols);
            GgmlType widest = type.isMix() ? GgmlType.Q6_K : base; // the mixes' Q6_K tensors take the most room
            if (widest.bytesFor(cols) > Integer.MAX_VALUE / rows) { // as a product it could overflow
                throw new IllegalArgumentException("a tensor of this shape would exceed 2 GiB");
            }
            return new ModelSynthesizer(this, kvHeads, ffn, size);
        }

        private static void positive(String what, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive, not " + v);
            }
        }
    }
}
