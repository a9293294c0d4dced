package io.sluice.tools;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.gguf.GgufWriter;
import io.sluice.tensor.quant.Quantizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a GGUF file with F32/F16/BF16 weights to one whose weight matrices are Q8_0, Q4_0, F16 or F32,
 * the way llama.cpp's quantize tool does for those file types: tensors with two or more dimensions whose
 * names end in "weight" (token_embd and output included) take the target type; 1-D tensors (norms,
 * biases) are stored as F32; matrices whose rows are not whole blocks stay F32 (logged). All metadata is
 * copied and general.file_type updated. Tensors are converted row block by row block while the output is
 * written, so memory use does not grow with the model.
 */
public final class ModelQuantizer {

    private static final Logger LOG = LoggerFactory.getLogger(ModelQuantizer.class);
    private static final int ROWS_PER_CHUNK = 64;

    /**
     * What a run did: weight matrices stored in the target type, matrices kept F32 because their rows are
     * not whole blocks, other tensors (1-D, stored as F32), and the two files' sizes.
     */
    public record Report(int quantized, int keptF32, int others, long inputBytes, long outputBytes) {
    }

    private ModelQuantizer() {
    }

    /** Quantizes {@code in} into {@code out}; the target must be F32, F16, Q8_0 or Q4_0. */
    public static Report quantize(Path in, Path out, GgmlType target) throws IOException {
        if (!Quantizer.canQuantizeTo(target)) {
            throw new IllegalArgumentException("cannot quantize to " + target + " (expected F32, F16, Q8_0 or Q4_0)");
        }
        if (Files.exists(out) && Files.isSameFile(in, out)) {
            throw new IllegalArgumentException("output " + out + " is the input file");
        }
        int quantized = 0;
        int keptF32 = 0;
        int others = 0;
        try (GgufFile src = GgufFile.open(in)) {
            GgufWriter w = new GgufWriter().alignment(src.alignment()).putAll(src.metadata());
            w.putUInt32(LlamaFileType.KEY, LlamaFileType.of(target));
            if (target == GgmlType.Q8_0 || target == GgmlType.Q4_0) {
                w.putUInt32(LlamaFileType.QUANTIZATION_VERSION_KEY, LlamaFileType.QUANTIZATION_VERSION);
            }
            for (GgufTensorInfo t : src.tensors()) {
                GgmlType to = targetFor(t, target);
                if (isMatrix(t) && to != target) {
                    keptF32++;
                } else if (to == target && isMatrix(t)) {
                    quantized++;
                } else {
                    others++;
                }
                if (to == t.type()) {
                    w.addTensor(t.name(), t.type(), t.shape(), src.data(t));
                    continue;
                }
                if (!isFloat(t.type())) {
                    // Requantizing loses precision twice; llama.cpp refuses it too by default.
                    throw new IllegalArgumentException("tensor '" + t.name() + "' of " + in + " is already "
                            + t.type() + "; quantize from an F32, F16 or BF16 file");
                }
                ByteBuffer data = src.data(t);
                w.addTensor(t.name(), to, t.shape(), o -> convert(data, t, to, o));
            }
            w.write(out);
        }
        Report report = new Report(quantized, keptF32, others, Files.size(in), Files.size(out));
        LOG.info("quantized {} -> {} ({}): {} matrices in {}, {} kept F32, {} other tensors", in, out, target,
                quantized, target, keptF32, others);
        return report;
    }

    /** A weight matrix: what llama.cpp's quantize converts. */
    private static boolean isMatrix(GgufTensorInfo t) {
        return t.dims() >= 2 && t.name().endsWith("weight");
    }

    private static boolean isFloat(GgmlType type) {
        return type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.BF16;
    }

    /** The type a tensor gets in a file of type {@code target}. */
    static GgmlType targetFor(GgufTensorInfo t, GgmlType target) {
        if (!isMatrix(t)) {
            return GgmlType.F32;
        }
        if (!target.fitsRow(t.dim(0))) {
            LOG.warn("tensor '{}' stays F32: its rows of {} are not multiples of {}'s block size {}", t.name(),
                    t.dim(0), target, target.blockSize());
            return GgmlType.F32;
        }
        return target;
    }

    private static void convert(ByteBuffer data, GgufTensorInfo t, GgmlType to, OutputStream out)
            throws IOException {
        int cols = t.cols();
        int rows = t.rows();
        // Rows per step: at most 64, and few enough that the float buffer stays small for long rows.
        int chunkRows = Math.max(1, Math.min(Math.min(ROWS_PER_CHUNK, rows), (1 << 20) / Math.max(1, cols)));
        float[] values = new float[cols * chunkRows];
        ByteBuffer chunk = ByteBuffer.allocate((int) to.bytesFor((long) cols * chunkRows));
        ByteBuffer in = data.duplicate();
        for (int row = 0; row < rows; row += chunkRows) {
            int n = Math.min(chunkRows, rows - row);
            Quantizer.dequantize(t.type(), in, values, 0, n * cols);
            chunk.clear();
            Quantizer.quantize(to, values, 0, n * cols, chunk);
            out.write(chunk.array(), 0, chunk.position());
        }
    }
}
