package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Vocabularies built to be slow or to break the tokenizer are handled in bounded time. */
class HostileVocabularyTest {

    @Test
    void aVeryLongSentencePieceTokenDoesNotMakeLoadingQuadratic() {
        // One 400,000-character token: a few hundred KB of metadata must not take minutes to load.
        String[] tokens = {"<unk>", "<s>", "</s>", "a", "b", "ab", "a".repeat(400_000)};
        Vocabulary.Builder b = new Vocabulary.Builder(Vocabulary.MODEL_SPM, tokens);
        b.addSpacePrefix = false;
        Tokenizer t = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> new SpmTokenizer(b.build()));
        assertArrayEquals(new int[] {5, 3}, t.encode("aba", false));
    }

    @Test
    void addingAnEosTokenThatDoesNotExistIsRefusedWhenLoading() {
        // Two tokens: the default EOS id 2 is outside the vocabulary, and the metadata's id is absent.
        Vocabulary.Builder b = new Vocabulary.Builder(Vocabulary.MODEL_SPM, new String[] {"<unk>", "<s>"});
        b.addEos = true;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("EOS"), e.getMessage());
    }
}
