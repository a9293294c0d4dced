package io.sluice.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufException;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tensor.quant.Quantizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelQuantizerTest {

    static final Path SHAKESPEARE = Path.of("../models/shakespeare.gguf");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "F16"})
    void quantizesShakespeare(GgmlType type) throws IOException {
        Path out = dir.resolve("shakespeare-" + type + ".gguf");
        ModelQuantizer.Report report = ModelQuantizer.quantize(SHAKESPEARE, out, QuantType.valueOf(type.name()));
        assertEquals(2 + 6 * 7, report.quantized()); // token_embd, output, 7 matrices per block
        assertEquals(1 + 6 * 2, report.others()); // the F32 norms
        assertEquals(0, report.keptF32());
        assertTrue(report.outputBytes() < report.inputBytes() / (type == GgmlType.Q4_0 ? 5 : 1.8));
        try (GgufFile src = GgufFile.open(SHAKESPEARE); GgufFile q = GgufFile.open(out)) {
            assertEquals(LlamaFileType.of(type), q.metadata().getInt("general.file_type"));
            for (String key : src.metadata().keys()) {
                assertEquals(src.metadata().get(key), q.metadata().get(key), key);
            }
            assertEquals(src.tensors().size(), q.tensors().size());
            for (GgufTensorInfo t : src.tensors()) {
                GgufTensorInfo qt = q.tensor(t.name());
                assertEquals(t.dims(), qt.dims());
                assertEquals(t.elements(), qt.elements());
                GgmlType expected = t.dims() == 1 ? GgmlType.F32 : type;
                assertEquals(expected, qt.type(), t.name());
            }
            // A matrix's bytes are exactly the quantizer's output on the F32 source.
            for (String name : new String[] {"blk.3.ffn_down.weight", "token_embd.weight", "output.weight"}) {
                float[] source = ModelSynthesizerTest.values(src, src.tensor(name));
                ByteBuffer actual = q.data(q.tensor(name));
                assertEquals(ByteBuffer.wrap(Quantizer.quantize(type, source)), actual, name);
            }
            assertEquals(src.data(src.tensor("blk.2.attn_norm.weight")), q.data(q.tensor("blk.2.attn_norm.weight")));
        }
    }

    @Test
    void rowsThatAreNotWholeBlocksStayF32() throws IOException {
        // stories260K: FFN 172, so ffn_down's rows (172) are not multiples of 32; everything else is.
        Path out = dir.resolve("stories-q8.gguf");
        ModelQuantizer.Report report = ModelQuantizer.quantize(ModelSynthesizerTest.STORIES, out, QuantType.Q8_0);
        assertEquals(5, report.keptF32());
        try (GgufFile q = GgufFile.open(out)) {
            assertEquals(GgmlType.F32, q.tensor("blk.0.ffn_down.weight").type());
            assertEquals(GgmlType.Q8_0, q.tensor("blk.0.ffn_up.weight").type());
            assertEquals(GgmlType.Q8_0, q.tensor("token_embd.weight").type());
            assertEquals(7, q.metadata().getInt("general.file_type"));
        }
    }

    @Test
    void quantizesF16Input() throws IOException {
        Path f16 = dir.resolve("f16.gguf");
        ModelSynthesizer.builder().dim(64).layers(1).heads(4).ffn(64).vocab(64).type(GgmlType.F16).build().write(f16);
        Path q4 = dir.resolve("q4.gguf");
        ModelQuantizer.quantize(f16, q4, QuantType.Q4_0);
        try (GgufFile src = GgufFile.open(f16); GgufFile q = GgufFile.open(q4)) {
            float[] source = ModelSynthesizerTest.values(src, src.tensor("blk.0.attn_v.weight"));
            assertEquals(ByteBuffer.wrap(Quantizer.quantize(GgmlType.Q4_0, source)),
                    q.data(q.tensor("blk.0.attn_v.weight")));
            assertEquals(2, q.metadata().getInt("general.file_type"));
        }
    }

    @Test
    void refusesAlreadyQuantizedInput() throws IOException {
        Path q4 = dir.resolve("q4.gguf");
        ModelSynthesizer.builder().dim(64).layers(1).heads(4).ffn(64).vocab(64).type(GgmlType.Q4_0).build().write(q4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelQuantizer.quantize(q4, dir.resolve("q8.gguf"), QuantType.Q8_0));
        assertTrue(e.getMessage().contains("already Q4_0"), e.getMessage());
        // Same type: copied as is.
        ModelQuantizer.Report same = ModelQuantizer.quantize(q4, dir.resolve("q4b.gguf"), QuantType.Q4_0);
        assertEquals(2 + 7, same.quantized());
    }

    @Test
    void requantizesWhenAllowed() throws IOException {
        Path q8 = dir.resolve("q8.gguf");
        ModelSynthesizer.builder().dim(256).layers(1).heads(4).ffn(256).vocab(64).type(GgmlType.Q8_0).build().write(q8);
        Path q4km = dir.resolve("q4km.gguf");
        ModelQuantizer.Report report = ModelQuantizer.quantize(q8, q4km, QuantType.Q4_K_M, true);
        assertEquals(Map.of(GgmlType.Q4_K, 6, GgmlType.Q6_K, 3), report.matrices());
        try (GgufFile src = GgufFile.open(q8); GgufFile q = GgufFile.open(q4km)) {
            for (String name : new String[] {"blk.0.attn_q.weight", "blk.0.ffn_down.weight"}) {
                GgufTensorInfo t = q.tensor(name);
                float[] decoded = ModelSynthesizerTest.values(src, src.tensor(name));
                assertEquals(ByteBuffer.wrap(Quantizer.quantize(t.type(), decoded)), q.data(t), name);
            }
        }
        // From K-quants too (read by the engine's decoders), and a tensor already in its type is copied.
        Path q6 = dir.resolve("q6.gguf");
        ModelQuantizer.quantize(q4km, q6, QuantType.Q6_K, true);
        try (GgufFile a = GgufFile.open(q4km); GgufFile b = GgufFile.open(q6)) {
            assertEquals(a.data(a.tensor("output.weight")), b.data(b.tensor("output.weight")));
            assertEquals(GgmlType.Q6_K, b.tensor("blk.0.attn_q.weight").type());
        }
    }

    @Test
    void refusesBadArguments() throws IOException {
        assertThrows(UncheckedIOException.class,
                () -> ModelQuantizer.quantize(dir.resolve("missing.gguf"), dir.resolve("o.gguf"), QuantType.Q8_0));
        Path copy = dir.resolve("copy.gguf");
        Files.copy(ModelSynthesizerTest.STORIES, copy);
        assertThrows(IllegalArgumentException.class, () -> ModelQuantizer.quantize(copy, copy, QuantType.Q8_0));
        Path corrupt = dir.resolve("corrupt.gguf");
        Files.write(corrupt, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0});
        assertThrows(GgufException.class, () -> ModelQuantizer.quantize(corrupt, dir.resolve("o.gguf"), QuantType.Q8_0));
        assertTrue(Files.notExists(dir.resolve("o.gguf")));
    }
}
