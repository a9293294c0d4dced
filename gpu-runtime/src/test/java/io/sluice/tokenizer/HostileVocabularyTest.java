package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
}
