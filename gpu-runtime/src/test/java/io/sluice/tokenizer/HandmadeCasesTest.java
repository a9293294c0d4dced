package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hard cases (whitespace runs, tabs and newlines, numbers, CJK, emoji, accents, very long words, text that looks
 * like special tokens) against ids from independent reference implementations: Google's sentencepiece for the
 * Llama vocabulary and Hugging Face tokenizers for byte-level BPE, including GPT-2's merges under Llama 3's and
 * Qwen2's pre-tokenizers (see src/test/resources/tokenizer/generate_expected.py).
 */
class HandmadeCasesTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "starcoder", "gpt-2+llama-bpe", "gpt-2+qwen2"})
    void handmadeCasesEncodeLikeTheReference(String config) {
        Tokenizer tokenizer = TestVocabularies.configuration(config);
        List<String> inputs = TestVocabularies.handmadeInputs();
        List<int[]> outputs = TestVocabularies.handmadeOutputs(config);
        assertEquals(inputs.size(), outputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i);
            assertArrayEquals(outputs.get(i), tokenizer.encode(text, false),
                    () -> config + " case " + text.replace("\n", "\\n"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "starcoder", "gpt-2+llama-bpe", "gpt-2+qwen2"})
    void handmadeCasesDecodeBack(String config) {
        Tokenizer tokenizer = TestVocabularies.configuration(config);
        for (String text : TestVocabularies.handmadeInputs()) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, false)), config);
        }
    }
}
