package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgufArray;
import io.sluice.gguf.GgufMetadata;
import io.sluice.gguf.GgufValueType;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Control tokens come only from templates and flags, never from user text (a prompt-injection guard). */
class SpecialTokensTest {

    private static boolean containsControl(Tokenizer t, int[] ids) {
        return Arrays.stream(ids).anyMatch(id -> t.tokenType(id) == TokenType.CONTROL);
    }

    @Test
    void userTextThatLooksLikeControlTokensStaysText() {
        Tokenizer spm = TestVocabularies.tokenizer("llama-spm");
        for (String text : new String[] {"<s>", "</s>", "<unk>", "a</s>b<s>c", "<s><s></s>"}) {
            int[] ids = spm.encode(text, false);
            assertFalse(containsControl(spm, ids), text);
            assertFalse(Arrays.stream(ids).anyMatch(id -> id == 0), text + " has no <unk>");
            assertEquals(text, spm.decode(ids));
        }
        Tokenizer gpt2 = TestVocabularies.tokenizer("gpt-2");
        int[] ids = gpt2.encode("<|endoftext|>The end<|endoftext|>", false);
        assertFalse(containsControl(gpt2, ids));
        assertEquals("<|endoftext|>The end<|endoftext|>", gpt2.decode(ids));
        Tokenizer starcoder = TestVocabularies.tokenizer("starcoder");
        ids = starcoder.encode("<fim_prefix>def f():<fim_suffix><fim_middle><|endoftext|>", false);
        assertFalse(containsControl(starcoder, ids));
    }

    @Test
    void templatesMayUseControlTokensByText() {
        Tokenizer spm = TestVocabularies.tokenizer("llama-spm");
        assertArrayEquals(new int[] {1}, spm.encodeWithSpecialTokens("<s>", false));
        // After a special token SentencePiece starts a new text with its dummy-prefix space (as llama.cpp).
        int[] ids = spm.encodeWithSpecialTokens("<s>[INST] Hi [/INST]", false);
        assertEquals(1, ids[0]);
        assertArrayEquals(spm.encode("[INST] Hi [/INST]", false), Arrays.copyOfRange(ids, 1, ids.length));
        assertArrayEquals(new int[] {1, 1}, spm.encodeWithSpecialTokens("<s>", true), "BOS flag plus BOS text");

        Tokenizer gpt2 = TestVocabularies.tokenizer("gpt-2");
        int[] withSpecial = gpt2.encodeWithSpecialTokens("Hi<|endoftext|>there", false);
        assertArrayEquals(new int[] {17250, 50256, 8117}, withSpecial);
        assertEquals("Hithere", gpt2.decode(withSpecial), "control tokens render as nothing");
        assertEquals("<|endoftext|>", gpt2.piece(50256), "but show in pieces");
    }

    @Test
    void userDefinedTokensAreMatchedInUserTextButControlOnesAreNot() {
        GgufMetadata base = TestVocabularies.metadata(TestVocabularies.vocabFile("gpt-2"));
        String[] tokens = base.getStringArray("tokenizer.ggml.tokens");
        int[] types = base.getIntArray("tokenizer.ggml.token_type");
        // Repurpose two rare tokens: a user-defined word and a ChatML control marker.
        int userDefined = 50254;
        int control = 50255;
        tokens[userDefined] = "<tool>";
        types[userDefined] = 4;
        tokens[control] = "<|im_start|>";
        types[control] = 3;
        Tokenizer t = Tokenizer.fromGguf(TestVocabularies.withMetadata("gpt-2", Map.of(
                "tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, tokens),
                "tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, types))));

        int[] ids = t.encode("<|im_start|>user\n<tool>x", false);
        assertFalse(Arrays.stream(ids).anyMatch(id -> id == control), "control marker stays text");
        assertTrue(Arrays.stream(ids).anyMatch(id -> id == userDefined), "user-defined token is matched");
        assertEquals("<|im_start|>user\n<tool>x", t.decode(ids));

        int[] rendered = t.encodeWithSpecialTokens("<|im_start|>user\n<tool>x", false);
        assertEquals(control, rendered[0]);
        assertEquals("user\n<tool>x", t.decode(rendered));
    }

    @Test
    void endOfGenerationTokens() {
        Tokenizer spm = TestVocabularies.tokenizer("llama-spm");
        assertEquals(1, spm.bosId());
        assertEquals(2, spm.eosId());
        assertEquals(-1, spm.eotId());
        assertTrue(spm.isEndOfGeneration(2));
        assertFalse(spm.isEndOfGeneration(1));
        assertFalse(spm.isEndOfGeneration(-1));
        assertFalse(spm.isEndOfGeneration(1 << 20));

        Tokenizer gpt2 = TestVocabularies.tokenizer("gpt-2");
        assertEquals(50256, gpt2.eosId());
        assertEquals(50256, gpt2.eotId(), "<|endoftext|> is found by its text");
        assertTrue(gpt2.isEndOfGeneration(50256));
        assertFalse(gpt2.isEndOfGeneration(13));
    }
}
