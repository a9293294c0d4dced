package io.sluice.model;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.DeviceMatrix;
import io.sluice.tensor.DeviceVector;
import io.sluice.tensor.WeightTensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The weights one device of a model holds, prepared for its backend from views over the memory-mapped GGUF file
 * (matrices) or small float arrays (norms, biases): the layers it runs, plus the embedding on the first device
 * and the final norm and output projection on the last (null elsewhere; a model on one device has all). The RoPE
 * factors stay on the host (they only shape the RoPE table). Every tensor's type and shape is checked against
 * the configuration, so a file whose tensors do not match its metadata is refused with the tensor's name instead
 * of failing mid-computation.
 */
record ModelWeights(
        DeviceMatrix tokenEmbedding,
        LayerWeights[] layers,
        DeviceVector outputNorm,
        DeviceMatrix output,
        float[] ropeFreqFactors) implements AutoCloseable {

    /** Tensors every block has at least (norms and seven matrices). */
    private static final int MIN_TENSORS_PER_BLOCK = 9;

    /**
     * Checked before anything is sized by it: a hostile block_count must not exhaust memory.
     *
     * @throws IllegalArgumentException when the file has too few tensors for its block count
     */
    static void checkBlockCount(GgufFile file, ModelConfig c) {
        if (c.layers() > file.tensors().size() / MIN_TENSORS_PER_BLOCK) {
            throw new IllegalArgumentException("block_count " + c.layers() + " needs at least "
                    + (long) c.layers() * MIN_TENSORS_PER_BLOCK + " tensors, but the file has "
                    + file.tensors().size());
        }
    }

    /** Bytes of each layer's tensors in the file: what a device holding that layer stores. */
    static long[] layerBytes(GgufFile file, ModelConfig c) {
        checkBlockCount(file, c);
        long[] bytes = new long[c.layers()];
        for (GgufTensorInfo t : file.tensors()) {
            if (t.name().startsWith("blk.")) {
                int dot = t.name().indexOf('.', 4);
                try {
                    int layer = Integer.parseInt(t.name().substring(4, dot < 0 ? t.name().length() : dot));
                    if (layer >= 0 && layer < bytes.length) {
                        bytes[layer] += t.byteSize();
                    }
                } catch (NumberFormatException e) {
                    // Not a block tensor of ours: loading names every tensor it needs.
                }
            }
        }
        return bytes;
    }

    /**
     * Loads layers {@code [from, to)} onto {@code backend}, with the embedding when {@code first} and the final
     * norm and output projection when {@code last}. On failure whatever was already prepared is closed.
     */
    static ModelWeights load(GgufFile file, ModelConfig c, ComputeBackend backend, int from, int to, boolean first,
            boolean last) {
        checkBlockCount(file, c);
        List<AutoCloseable> made = new ArrayList<>();
        try {
            return load(file, c, backend, from, to, first, last, made);
        } catch (RuntimeException e) {
            for (AutoCloseable a : made) {
                closeQuietly(a, e);
            }
            throw e;
        }
    }

    private static ModelWeights load(GgufFile file, ModelConfig c, ComputeBackend raw, int from, int to,
            boolean first, boolean last, List<AutoCloseable> made) {
        Tracking backend = new Tracking(raw, made);
        LayerWeights[] layers = new LayerWeights[to - from];
        boolean bias = c.architecture().hasQkvBias();
        for (int l = from; l < to; l++) {
            String p = "blk." + l + ".";
            layers[l - from] = new LayerWeights(
                    backend.vector(vector(file, p + "attn_norm.weight", c.dim())),
                    bias ? backend.vector(vector(file, p + "attn_q.bias", c.qDim())) : null,
                    bias ? backend.vector(vector(file, p + "attn_k.bias", c.kvDim())) : null,
                    bias ? backend.vector(vector(file, p + "attn_v.bias", c.kvDim())) : null,
                    new DeviceMatrix[] {
                        backend.matrix(matrix(file, p + "attn_q.weight", c.qDim(), c.dim())),
                        backend.matrix(matrix(file, p + "attn_k.weight", c.kvDim(), c.dim())),
                        backend.matrix(matrix(file, p + "attn_v.weight", c.kvDim(), c.dim()))},
                    backend.matrix(matrix(file, p + "attn_output.weight", c.dim(), c.qDim())),
                    backend.vector(vector(file, p + "ffn_norm.weight", c.dim())),
                    new DeviceMatrix[] {
                        backend.matrix(matrix(file, p + "ffn_gate.weight", c.ffn(), c.dim())),
                        backend.matrix(matrix(file, p + "ffn_up.weight", c.ffn(), c.dim()))},
                    backend.matrix(matrix(file, p + "ffn_down.weight", c.dim(), c.ffn())));
        }
        DeviceMatrix embedding = first
                ? backend.matrix(matrix(file, "token_embd.weight", c.vocabSize(), c.dim())) : null;
        DeviceMatrix output = null;
        DeviceVector outputNorm = null;
        if (last) {
            // No output.weight means tied embeddings: the output projection is the embedding matrix.
            String name = file.findTensor("output.weight").isPresent() ? "output.weight" : "token_embd.weight";
            output = first && name.equals("token_embd.weight") ? embedding
                    : backend.matrix(matrix(file, name, c.vocabSize(), c.dim()));
            outputNorm = backend.vector(vector(file, "output_norm.weight", c.dim()));
        }
        float[] freqs = file.findTensor("rope_freqs.weight").isPresent()
                ? vector(file, "rope_freqs.weight", c.ropeDimensions() / 2) : null;
        return new ModelWeights(embedding, layers, outputNorm, output, freqs);
    }

    /** Bytes the first device holds besides its layers (the embedding) and the last (final norm, output). */
    static long[] endBytes(GgufFile file, ModelConfig c) {
        long embedding = file.tensor("token_embd.weight").byteSize();
        Optional<GgufTensorInfo> out = file.findTensor("output.weight");
        long output = (out.isPresent() ? out.get().byteSize() : embedding) + 4L * c.dim();
        return new long[] {embedding, output};
    }

    /** Frees every weight on the device, each once (a tied output is the embedding). */
    @Override
    public void close() {
        Set<AutoCloseable> done = Collections.newSetFromMap(new IdentityHashMap<>());
        RuntimeException failure = null;
        for (AutoCloseable a : all()) {
            if (a != null && done.add(a)) {
                try {
                    a.close();
                } catch (Exception e) {
                    failure = failure == null ? new IllegalStateException("freeing weights failed", e) : failure;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private List<AutoCloseable> all() {
        List<AutoCloseable> all = new ArrayList<>();
        all.add(tokenEmbedding);
        all.add(outputNorm);
        all.add(output);
        for (LayerWeights w : layers) {
            all.addAll(Arrays.asList(w.attnNorm(), w.bq(), w.bk(), w.bv(), w.wo(), w.ffnNorm(), w.wDown()));
            all.addAll(Arrays.asList(w.qkv()));
            all.addAll(Arrays.asList(w.gateUp()));
        }
        return all;
    }

    private static void closeQuietly(AutoCloseable a, RuntimeException cause) {
        try {
            a.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }

    /** Prepares weights on a backend and remembers each, so that a load that fails half-way frees them. */
    private record Tracking(ComputeBackend backend, List<AutoCloseable> made) {
        DeviceMatrix matrix(WeightTensor host) {
            DeviceMatrix m = backend.matrix(host);
            made.add(m);
            return m;
        }

        DeviceVector vector(float[] values) {
            DeviceVector v = backend.vector(values);
            made.add(v);
            return v;
        }
    }

    static WeightTensor matrix(GgufFile file, String name, int rows, int cols) {
        GgufTensorInfo t = file.tensor(name);
        long[] shape = t.shape();
        if (shape.length != 2 || shape[0] != cols || shape[1] != rows) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", expected [" + cols + ", " + rows + "]");
        }
        if (!t.type().isSupported()) {
            throw new IllegalArgumentException("tensor '" + name + "' has type " + t.type()
                    + ", which Sluice does not support");
        }
        return WeightTensor.of(t.type(), file.data(t), rows, cols);
    }

    static float[] vector(GgufFile file, String name, int length) {
        GgufTensorInfo t = file.tensor(name);
        if (t.elements() != length || t.shape().length > 2 || (t.shape().length == 2 && t.shape()[1] != 1)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected [" + length + "]");
        }
        if (t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "' has type " + t.type()
                    + "; 1-D tensors must be F32, F16 or BF16");
        }
        ByteBuffer data = file.data(t);
        float[] out = new float[length];
        WeightTensor.of(t.type(), data, 1, length).dequantizeRow(0, out, 0);
        return out;
    }
}
