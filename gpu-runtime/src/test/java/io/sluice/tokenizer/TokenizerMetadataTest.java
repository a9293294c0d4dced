package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the tokenizer.* metadata selects, and llama.cpp's defaults where keys are missing. */
class TokenizerMetadataTest {

    private static Tokenizer modified(String vocab, Object... keyValues) {
        Map<String, Object> replaced = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            replaced.put((String) keyValues[i], keyValues[i + 1]);
        }
        return Tokenizer.fromGguf(TestVocabularies.withMetadata(vocab, replaced));
    }

    @Test
    void unknownModelOrPreTokenizerIsRefusedByName() {
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> modified("gpt-2", "tokenizer.ggml.model", "bert"));
        assertEquals("unsupported tokenizer model: 'bert'", model.getMessage());
        IllegalArgumentException pre = assertThrows(IllegalArgumentException.class,
                () -> modified("gpt-2", "tokenizer.ggml.pre", "chatglm-bpe"));
        assertEquals("unsupported pre-tokenizer: 'chatglm-bpe'", pre.getMessage());
    }

    @Test
    void bosAndEosAsTheMetadataSays() {
        Tokenizer spm = TestVocabularies.tokenizer("llama-spm");
        assertTrue(spm.addBos());
        assertArrayEquals(new int[] {1, 15043}, spm.encode("Hello", true));
        assertArrayEquals(new int[] {15043}, spm.encode("Hello", false));
        assertArrayEquals(new int[] {1}, spm.encode("", true), "SentencePiece: '' with BOS is [BOS]");

        Tokenizer noBos = modified("llama-spm", "tokenizer.ggml.add_bos_token", false,
                "tokenizer.ggml.add_eos_token", true);
        assertFalse(noBos.addBos());
        assertArrayEquals(new int[] {15043, 2}, noBos.encode("Hello", true));

        // llama.cpp's defaults when add_bos_token is absent: BOS for SentencePiece, not for GPT-2 ...
        assertTrue(modified("llama-spm", "tokenizer.ggml.add_bos_token", null).addBos());
        Tokenizer gpt2 = TestVocabularies.tokenizer("gpt-2");
        assertFalse(gpt2.addBos());
        assertArrayEquals(gpt2.encode("Hello", false), gpt2.encode("Hello", true));
        // ... but for Llama 3's pre-tokenizer.
        Tokenizer llama3 = TestVocabularies.configuration("gpt-2+llama-bpe");
        assertTrue(llama3.addBos());
        assertEquals(50256, llama3.encode("Hello", true)[0]);
    }

    @Test
    void spacePrefixCanBeTurnedOff() {
        Tokenizer plain = modified("llama-spm", "tokenizer.ggml.add_space_prefix", false);
        Tokenizer spm = TestVocabularies.tokenizer("llama-spm");
        assertEquals("▁Hello", spm.tokenText(spm.encode("Hello", false)[0]));
        int[] ids = plain.encode("Hello", false);
        assertEquals(1, ids.length);
        assertEquals("Hello", plain.tokenText(ids[0]), "no ▁ in front");
        assertEquals("Hello", plain.decode(ids));
        assertEquals(" Hello", plain.decode(plain.encode(" Hello", false)));
    }

    @Test
    void missingPreTokenizerFallsBackToDefault() {
        Tokenizer t = modified("gpt-2", "tokenizer.ggml.pre", null);
        assertEquals("Hello world", t.decode(t.encode("Hello world", false)));
        assertTrue(t.toString().contains("default"), t.toString());
    }

    @Test
    void badSpecialIdsAreIgnoredLikeLlamaCpp() {
        // The Shakespeare file marks "no padding token" as 0xFFFFFFFF.
        Tokenizer t = TestVocabularies.shakespeare();
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        Tokenizer outOfRange = modified("llama-spm", "tokenizer.ggml.eos_token_id", 1 << 30);
        assertEquals(2, outOfRange.eosId(), "falls back to the default");
    }

    @Test
    void bosOutsideTheVocabularyIsRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> modified("llama-spm", "tokenizer.ggml.bos_token_id", 32000));
        assertEquals("tokenizer.ggml.bos_token_id = 32000 is outside the vocabulary of 32000 tokens", e.getMessage());
        // "none" markers are not ids: no BOS, which a tokenizer that adds one cannot do without
        assertThrows(IllegalArgumentException.class, () -> modified("llama-spm", "tokenizer.ggml.bos_token_id",
                0xFFFFFFFFL), "adds a BOS token but has none");
    }

    @Test
    void inconsistentArraysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> modified("llama-spm", "tokenizer.ggml.scores",
                new io.sluice.gguf.GgufArray(io.sluice.gguf.GgufValueType.FLOAT32, new float[3])));
    }

    @Test
    void tokenTypesAndPieces() {
        Tokenizer spm = TestVocabularies.tokenizer("llama-spm");
        assertEquals(32000, spm.vocabularySize());
        assertEquals(TokenType.UNKNOWN, spm.tokenType(0));
        assertEquals(TokenType.CONTROL, spm.tokenType(1));
        assertEquals(TokenType.BYTE, spm.tokenType(13));
        assertEquals("<0x0A>", spm.tokenText(13));
        assertEquals("\n", spm.piece(13));
        assertEquals("<s>", spm.piece(1));
        assertEquals(" Hello", spm.piece(15043));
        assertEquals("", spm.decode(new int[] {1, 2}), "control tokens render as nothing");
        assertThrows(IllegalArgumentException.class, () -> spm.decode(new int[] {32000}));
        Tokenizer gpt2 = TestVocabularies.tokenizer("gpt-2");
        assertEquals("Ġworld", gpt2.tokenText(995));
        assertEquals(" world", gpt2.piece(995));
    }
}
