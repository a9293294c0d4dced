package io.sluice.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Reads the real model files that ship with the project. */
class GgufReaderTest {

    static final Path STORIES = Path.of("src/test/resources/models/stories260K.gguf");
    static final Path SHAKESPEARE = Path.of("../models/shakespeare.gguf");

    @Test
    void readsStories260K() {
        try (GgufFile f = GgufFile.open(STORIES)) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(0, f.dataOffset() % 32);
            GgufMetadata m = f.metadata();
            assertEquals("llama", m.architecture());
            assertEquals(64, m.getInt("llama.embedding_length"));
            assertEquals(5, m.getInt("llama.block_count"));
            assertEquals(8, m.getInt("llama.attention.head_count"));
            assertEquals(4, m.getInt("llama.attention.head_count_kv"));
            assertEquals(172, m.getInt("llama.feed_forward_length"));
            assertEquals(1e-5f, m.getFloat("llama.attention.layer_norm_rms_epsilon"), 1e-12f);
            assertEquals(GgufValueType.UINT32, m.typeOf("llama.block_count"));
            assertEquals(1, m.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(4294967295L, m.getLong("tokenizer.ggml.padding_token_id"));
            assertThrows(GgufException.class, () -> m.getInt("tokenizer.ggml.padding_token_id"));
            assertEquals("llama", m.getString("tokenizer.ggml.model"));

            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            assertEquals(512, tokens.length);
            assertEquals("<unk>", tokens[0]);
            assertEquals("<s>", tokens[1]);
            assertEquals("</s>", tokens[2]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals(512, m.getFloatArray("tokenizer.ggml.scores").length);
            assertEquals(512, m.getIntArray("tokenizer.ggml.token_type").length);
            assertEquals(GgufValueType.STRING, m.arrayTypeOf("tokenizer.ggml.tokens"));

            assertEquals(3 + 5 * 9, f.tensors().size());
            GgufTensorInfo embd = f.tensor("token_embd.weight");
            assertEquals(GgmlType.F32, embd.type());
            assertArrayEquals(new long[] {64, 512}, embd.shape());
            assertEquals(64, embd.cols());
            assertEquals(512, embd.rows());
            assertEquals(64L * 512, embd.elements());
            assertEquals(64L * 512 * 4, embd.byteSize());
            assertArrayEquals(new long[] {64, 32}, f.tensor("blk.0.attn_k.weight").shape());
            assertArrayEquals(new long[] {172, 64}, f.tensor("blk.4.ffn_down.weight").shape());
            assertArrayEquals(new long[] {64}, f.tensor("output_norm.weight").shape());
            assertTrue(f.findTensor("blk.5.attn_q.weight").isEmpty());
            GgufException missing = assertThrows(GgufException.class, () -> f.tensor("nope.weight"));
            assertTrue(missing.getMessage().contains("missing tensor 'nope.weight'"));
        }
    }

    @Test
    void tensorDataIsMappedReadOnlyLittleEndian() throws Exception {
        try (GgufFile f = GgufFile.open(STORIES)) {
            GgufTensorInfo norm = f.tensor("blk.0.attn_norm.weight");
            ByteBuffer data = f.data(norm);
            assertTrue(data instanceof MappedByteBuffer || data.isDirect());
            assertTrue(data.isReadOnly());
            assertEquals(ByteOrder.LITTLE_ENDIAN, data.order());
            assertEquals(0, data.position());
            assertEquals(norm.byteSize(), data.capacity());
            // Same bytes as the file at the tensor's offset.
            byte[] file = Files.readAllBytes(STORIES);
            ByteBuffer expected = ByteBuffer.wrap(file, (int) norm.offset(), (int) norm.byteSize())
                    .slice().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 64; i++) {
                assertEquals(expected.getFloat(i * 4), data.getFloat(i * 4));
            }
            // Independent views: moving one does not move the next.
            data.position(8);
            assertEquals(0, f.data(norm).position());
        }
    }

    @Test
    void readsShakespeare() {
        try (GgufFile f = GgufFile.open(SHAKESPEARE)) {
            GgufMetadata m = f.metadata();
            assertEquals("llama", m.architecture());
            assertEquals(192, m.getInt("llama.embedding_length"));
            assertEquals(6, m.getInt("llama.block_count"));
            assertEquals(6, m.getInt("llama.attention.head_count"));
            assertEquals(2, m.getInt("llama.attention.head_count_kv"));
            assertEquals(512, m.getInt("llama.feed_forward_length"));
            assertEquals(256, m.getInt("llama.context_length"));
            assertEquals(1024, m.getStringArray("tokenizer.ggml.tokens").length);
            assertFalse(m.has("general.file_type"));
            assertEquals(7, m.getInt("general.file_type", 7));
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(GgmlType.F32, t.type(), t.name());
                assertEquals(t.byteSize(), f.data(t).capacity());
            }
            assertArrayEquals(new long[] {192, 1024}, f.tensor("token_embd.weight").shape());
            assertArrayEquals(new long[] {512, 192}, f.tensor("blk.5.ffn_down.weight").shape());
        }
    }

    @Test
    void typedGettersNameTheKey() {
        try (GgufFile f = GgufFile.open(STORIES)) {
            GgufMetadata m = f.metadata();
            GgufException wrongType = assertThrows(GgufException.class, () -> m.getString("llama.block_count"));
            assertTrue(wrongType.getMessage().contains("llama.block_count"), wrongType.getMessage());
            GgufException absent = assertThrows(GgufException.class, () -> m.getInt("llama.nothing"));
            assertTrue(absent.getMessage().contains("llama.nothing"));
            assertEquals(42, m.getInt("llama.nothing", 42));
            assertEquals("x", m.getString("llama.nothing", "x"));
            assertTrue(m.getBoolean("llama.nothing", true));
            assertEquals(2.5f, m.getFloat("llama.nothing", 2.5f));
            assertEquals(5f, m.getFloat("llama.block_count"));
            assertThrows(GgufException.class, () -> m.getFloatArray("tokenizer.ggml.tokens"));
            assertThrows(GgufException.class, () -> m.getBoolean("general.name"));
        }
    }

    @Test
    void missingFileIsAnIoError() {
        assertThrows(java.io.UncheckedIOException.class, () -> GgufFile.open(Path.of("no/such/file.gguf")));
    }
}
