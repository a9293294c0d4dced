package io.sluice.model;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.DeviceMatrix;
import io.sluice.tensor.DeviceVector;
import io.sluice.tensor.WeightTensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * All weights of a model, prepared for its backend from views over the memory-mapped GGUF file (matrices) or
 * small float arrays (norms, biases); the RoPE factors stay on the host (they only shape the RoPE table). Every tensor's type and shape is checked against the configuration, so a file whose
 * tensors do not match its metadata is refused with the tensor's name instead of failing mid-computation.
 */
record ModelWeights(
        DeviceMatrix tokenEmbedding,
        LayerWeights[] layers,
        DeviceVector outputNorm,
        DeviceMatrix output,
        float[] ropeFreqFactors) {

    /** Tensors every block has at least (norms and seven matrices). */
    private static final int MIN_TENSORS_PER_BLOCK = 9;

    static ModelWeights load(GgufFile file, ModelConfig c, ComputeBackend backend) {
        // Checked before the array is sized by it: a hostile block_count must not exhaust memory.
        if (c.layers() > file.tensors().size() / MIN_TENSORS_PER_BLOCK) {
            throw new IllegalArgumentException("block_count " + c.layers() + " needs at least "
                    + (long) c.layers() * MIN_TENSORS_PER_BLOCK + " tensors, but the file has "
                    + file.tensors().size());
        }
        LayerWeights[] layers = new LayerWeights[c.layers()];
        boolean bias = c.architecture().hasQkvBias();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers[l] = new LayerWeights(
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
        DeviceMatrix embedding = backend.matrix(matrix(file, "token_embd.weight", c.vocabSize(), c.dim()));
        Optional<GgufTensorInfo> out = file.findTensor("output.weight");
        // No output.weight means tied embeddings: the output projection is the embedding matrix.
        DeviceMatrix output = out.isPresent()
                ? backend.matrix(matrix(file, "output.weight", c.vocabSize(), c.dim())) : embedding;
        float[] freqs = file.findTensor("rope_freqs.weight").isPresent()
                ? vector(file, "rope_freqs.weight", c.ropeDimensions() / 2) : null;
        return new ModelWeights(embedding, layers, backend.vector(vector(file, "output_norm.weight", c.dim())),
                output, freqs);
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
