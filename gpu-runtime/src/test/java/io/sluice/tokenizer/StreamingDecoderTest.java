package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Streaming never emits half a character, even when one character spans several byte tokens. */
class StreamingDecoderTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "starcoder"})
    void deltasAreWholeCharactersAndAddUpToTheText(String name) {
        Tokenizer t = TestVocabularies.tokenizer(name);
        for (String text : TestVocabularies.handmadeInputs()) {
            int[] ids = t.encode(text, false);
            StreamingDecoder stream = t.newStreamingDecoder();
            StringBuilder all = new StringBuilder();
            for (int id : ids) {
                String delta = stream.push(id);
                assertFalse(delta.contains("\uFFFD"), () -> name + ": broken character in a delta of " + text);
                assertFalse(!delta.isEmpty() && Character.isHighSurrogate(delta.charAt(delta.length() - 1)),
                        "delta ends inside a surrogate pair");
                all.append(delta);
            }
            all.append(stream.flush());
            assertEquals(t.decodeContinuation(ids), all.toString(), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2"})
    void multiByteCharactersSpanningByteTokensAreHeldBack(String name) {
        Tokenizer t = TestVocabularies.tokenizer(name);
        // A rare emoji is spelled as byte tokens (SentencePiece byte fallback, or byte-level BPE pieces).
        int[] ids = t.encode("🦩", false);
        assertTrue(ids.length > 1, "spelled in several tokens: " + java.util.Arrays.toString(ids));
        StreamingDecoder stream = t.newStreamingDecoder();
        List<String> deltas = new ArrayList<>();
        for (int id : ids) {
            deltas.add(stream.push(id));
        }
        assertEquals("🦩", String.join("", deltas).trim());
        assertEquals("", stream.flush());
        for (int i = 0; i < deltas.size() - 1; i++) {
            assertFalse(deltas.get(i).contains("🦩"), "not complete before the last byte");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm"})
    void anIncompleteCharacterIsFlushedAsReplacement(String name) {
        Tokenizer t = TestVocabularies.tokenizer(name);
        int firstByte = t.encode("🦩", false)[1]; // after the dummy-prefix space
        assertEquals(TokenType.BYTE, t.tokenType(firstByte));
        StreamingDecoder stream = t.newStreamingDecoder();
        assertEquals("", stream.push(firstByte));
        assertEquals("\uFFFD", stream.flush());
        assertEquals("", stream.flush());
        assertThrows(IllegalArgumentException.class, () -> stream.push(-1));
        assertThrows(IllegalArgumentException.class, () -> stream.push(t.vocabularySize()));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void completeLengthStopsBeforeAnUnfinishedCharacter(int cut) {
        byte[] b = "a€🦩".getBytes(StandardCharsets.UTF_8); // 1 + 3 + 4 bytes
        int end = 4 + cut;
        assertEquals(cut == 4 ? end : 4, StreamingDecoder.completeLength(b, end));
        assertEquals(1, StreamingDecoder.completeLength(b, 2));
        assertEquals(4, StreamingDecoder.completeLength(b, 4));
    }
}
