package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The splits of every supported pre-tokenizer on the hand-made cases, against Python's {@code regex} module
 * applying llama.cpp's expression lists (tokenizer/pretokenizer-splits.txt).
 */
class PreTokenizerTest {

    @Test
    void splitsMatchTheReferenceRegexEngine() {
        List<String> cases = TestVocabularies.handmadeInputs();
        String expected = TestVocabularies.read(TestVocabularies.resource("tokenizer/pretokenizer-splits.txt"));
        int checked = 0;
        for (String line : expected.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String text = cases.get(Integer.parseInt(f[1]));
            List<String> pieces = PreTokenizer.forName(f[0]).split(text);
            assertEquals(String.join("", pieces), text);
            String lengths = pieces.stream().map(p -> String.valueOf(p.length())).collect(Collectors.joining(","));
            assertEquals(f[2], lengths, () -> f[0] + " on " + text.replace("\n", "\\n") + ": " + pieces);
            checked++;
        }
        assertEquals(8 * cases.size(), checked, "pre-tokenizers x cases");
    }

    @Test
    void aliasesShareTheirFamilysExpressions() {
        String text = "Hello, world 12345!\n\n  x";
        assertEquals(PreTokenizer.forName("gpt-2").split(text), PreTokenizer.forName("mpt").split(text));
        assertEquals(PreTokenizer.forName("starcoder").split(text), PreTokenizer.forName("refact").split(text));
        assertEquals(PreTokenizer.forName("llama-bpe").split(text), PreTokenizer.forName("llama3").split(text));
        assertEquals(List.of("Hello", ",", " world", " ", "1", "2", "3", "4", "5", "!\n\n", " ", " x"),
                PreTokenizer.forName("qwen2").split(text));
    }

    @Test
    void unknownPreTokenizerIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreTokenizer.forName("klingon-bpe"));
        assertEquals("unsupported pre-tokenizer: 'klingon-bpe'", e.getMessage());
    }
}
