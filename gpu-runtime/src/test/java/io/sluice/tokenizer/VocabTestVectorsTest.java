package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** llama.cpp's tokenizer test vectors: the ids of the models' reference tokenizers, for every vocabulary. */
class VocabTestVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "starcoder"})
    void everyTestStringEncodesToTheReferenceIds(String name) {
        Tokenizer tokenizer = TestVocabularies.tokenizer(name);
        List<String> inputs = TestVocabularies.inputs(name);
        List<int[]> outputs = TestVocabularies.outputs(name);
        assertEquals(inputs.size(), outputs.size(), "test strings vs expected lines");
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i);
            assertArrayEquals(outputs.get(i), tokenizer.encode(text, false),
                    () -> name + " case " + text.replace("\n", "\\n"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "starcoder"})
    void decodingGivesBackEveryTestString(String name) {
        Tokenizer tokenizer = TestVocabularies.tokenizer(name);
        for (String text : TestVocabularies.inputs(name)) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, false)), name);
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, true)), name + " with BOS");
        }
    }
}
