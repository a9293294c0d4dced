package io.sluice.tools;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.gguf.GgufWriter;
import io.sluice.tensor.WeightTensor;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tensor.quant.Quantizer;
import io.sluice.tensor.quant.TensorTypePolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a GGUF file with F32/F16/BF16 weights to one whose weight matrices take a {@link QuantType}, the
 * way llama.cpp's quantize tool does: tensors with two or more dimensions whose names end in "weight"
 * (token_embd and output included) get the type {@link TensorTypePolicy} chooses; 1-D tensors (norms,
 * biases) are stored as F32. A tensor already stored in its chosen type is copied; any other quantized
 * input is refused unless requantizing is allowed (quantizing twice loses precision twice; llama.cpp
 * refuses it too unless given --allow-requantize), and is then decoded by the engine's decoders. All
 * metadata is copied and general.file_type updated. Tensors are converted a few rows at a time (rows in
 * parallel) while the output is written, so memory use does not grow with the model.
 */
public final class ModelQuantizer {

    private static final Logger LOG = LoggerFactory.getLogger(ModelQuantizer.class);
    private static final int ROWS_PER_CHUNK = 64;

    /**
     * What a run did: the weight matrices per stored type, how many of them stayed F32 although the target
     * is not F32 (rows that are not whole blocks), other tensors (1-D, stored as F32), the two files' sizes.
     */
    public record Report(Map<GgmlType, Integer> matrices, int keptF32, int others, long inputBytes,
            long outputBytes) {

        public Report {
            matrices = Collections.unmodifiableMap(new EnumMap<>(matrices));
        }

        /** Weight matrices stored in a type other than a kept F32. */
        public int quantized() {
            return matrices.values().stream().mapToInt(Integer::intValue).sum() - keptF32;
        }
    }

    private ModelQuantizer() {
    }

    /** Quantizes {@code in} (F32/F16/BF16 weights) into {@code out}. */
    public static Report quantize(Path in, Path out, QuantType target) throws IOException {
        return quantize(in, out, target, false);
    }

    /**
     * Quantizes {@code in} into {@code out}; with {@code allowRequantize} also from quantized weights of any
     * type the engine reads.
     */
    public static Report quantize(Path in, Path out, QuantType target, boolean allowRequantize)
            throws IOException {
        if (Files.exists(out) && Files.isSameFile(in, out)) {
            throw new IllegalArgumentException("output " + out + " is the input file");
        }
        Map<GgmlType, Integer> matrices = new EnumMap<>(GgmlType.class);
        int keptF32 = 0;
        int others = 0;
        try (GgufFile src = GgufFile.open(in)) {
            TensorTypePolicy policy = policyFor(src, target);
            GgufWriter w = new GgufWriter().alignment(src.alignment()).putAll(src.metadata());
            w.putUInt32(LlamaFileType.KEY, target.llamaFileType());
            if (target.isQuantized()) {
                w.putUInt32(LlamaFileType.QUANTIZATION_VERSION_KEY, LlamaFileType.QUANTIZATION_VERSION);
            }
            for (GgufTensorInfo t : src.tensors()) {
                GgmlType to;
                if (isMatrix(t)) {
                    to = policy.typeFor(t.name(), t.dim(0));
                    matrices.merge(to, 1, Integer::sum);
                    if (to == GgmlType.F32 && target != QuantType.F32) {
                        keptF32++;
                        LOG.warn("tensor '{}' stays F32: its rows of {} are not whole blocks of {}", t.name(),
                                t.dim(0), target.base());
                    }
                } else {
                    to = GgmlType.F32;
                    others++;
                }
                if (to == t.type()) {
                    w.addTensor(t.name(), t.type(), t.shape(), src.data(t));
                    continue;
                }
                if (isQuantized(t.type()) && !allowRequantize) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "' of " + in + " is already "
                            + t.type() + "; quantize from an F32, F16 or BF16 file (or allow requantizing)");
                }
                if (isQuantized(t.type()) && !t.type().isSupported()) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "' of " + in + " is "
                            + t.type() + ", a type Sluice cannot read");
                }
                ByteBuffer data = src.data(t);
                GgmlType type = to;
                w.addTensor(t.name(), to, t.shape(), o -> convert(data, t, type, o));
            }
            w.write(out);
        }
        Report report = new Report(matrices, keptF32, others, Files.size(in), Files.size(out));
        LOG.info("quantized {} -> {} ({}): matrices {}, {} kept F32, {} other tensors", in, out, target,
                matrices, keptF32, others);
        return report;
    }

    /** The policy for this file: its layer count, attn_v count and whether its embeddings are tied. */
    static TensorTypePolicy policyFor(GgufFile src, QuantType target) {
        int layers = 0;
        int attentionV = 0;
        boolean tied = true;
        for (GgufTensorInfo t : src.tensors()) {
            layers = Math.max(layers, TensorTypePolicy.layerOf(t.name()) + 1);
            if (TensorTypePolicy.isAttentionV(t.name())) {
                attentionV++;
            }
            if (t.name().equals("output.weight")) {
                tied = false;
            }
        }
        return new TensorTypePolicy(target, layers, attentionV, tied);
    }

    /** A weight matrix: what llama.cpp's quantize converts. */
    private static boolean isMatrix(GgufTensorInfo t) {
        return t.dims() >= 2 && t.name().endsWith("weight");
    }

    private static boolean isQuantized(GgmlType type) {
        return type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16;
    }

    private static void convert(ByteBuffer data, GgufTensorInfo t, GgmlType to, OutputStream out)
            throws IOException {
        int cols = t.cols();
        int rows = t.rows();
        // Rows per step: at most 64, and few enough that the float buffer stays small for long rows.
        int chunkRows = Math.max(1, Math.min(Math.min(ROWS_PER_CHUNK, rows), (1 << 20) / Math.max(1, cols)));
        float[] values = new float[cols * chunkRows];
        int rowBytes = (int) to.bytesFor(cols);
        ByteBuffer chunk = ByteBuffer.allocate(rowBytes * chunkRows);
        ByteBuffer in = data.duplicate();
        // Quantized sources (requantizing) are read by the engine's own decoders.
        WeightTensor decoder = isQuantized(t.type()) ? WeightTensor.of(t.type(), data, rows, cols) : null;
        for (int row = 0; row < rows; row += chunkRows) {
            int n = Math.min(chunkRows, rows - row);
            if (decoder == null) {
                Quantizer.dequantize(t.type(), in, values, 0, n * cols);
            } else {
                for (int r = 0; r < n; r++) {
                    decoder.dequantizeRow(row + r, values, r * cols);
                }
            }
            // Rows are independent: quantize them in parallel, each into its own slice of the chunk.
            IntStream.range(0, n).parallel().forEach(r ->
                    Quantizer.quantize(to, values, r * cols, cols, chunk.duplicate().position(r * rowBytes)));
            out.write(chunk.array(), 0, n * rowBytes);
        }
    }
}
