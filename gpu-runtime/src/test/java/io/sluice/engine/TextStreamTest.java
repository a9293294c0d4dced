package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sampling.StopStrings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {

    /** Token i decodes to PIECES[i]: "ab", "c", the first byte of "€", its last two bytes, "d". */
    private static final byte[][] PIECES = {
        "ab".getBytes(StandardCharsets.UTF_8), "c".getBytes(StandardCharsets.UTF_8),
        {(byte) 0xE2}, {(byte) 0x82, (byte) 0xAC}, "d".getBytes(StandardCharsets.UTF_8)};

    private static String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(PIECES[id]);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Feeds the tokens one at a time as the scheduler does; returns the streamed deltas joined. */
    private static String stream(TextStream text, int... tokens) {
        StringBuilder streamed = new StringBuilder();
        for (int i = 1; i <= tokens.length && !text.stopped(); i++) {
            streamed.append(text.update(Arrays.copyOf(tokens, i)));
        }
        return streamed.toString();
    }

    @Test
    void aStopStringEndingInACharacterSplitOverTokensIsFound() {
        TextStream text = new TextStream(TextStreamTest::decode, new StopStrings(List.of("€")));
        String streamed = stream(text, 0, 1, 2, 3, 4);
        assertTrue(text.stopped(), () -> "stop string missed, text " + text.text());
        assertEquals("abc", text.text());
        assertEquals("abc", streamed);
    }

    @Test
    void theStartOfAStopStringBeforeAnIncompleteCharacterIsNotStreamed() {
        TextStream text = new TextStream(TextStreamTest::decode, new StopStrings(List.of("c€")));
        String streamed = stream(text, 0, 1, 2, 3, 4);
        assertTrue(text.stopped(), () -> "stop string missed, text " + text.text());
        assertEquals("ab", text.text());
        assertEquals("ab", streamed, "streamed text must be a prefix of the final text");
    }

    @Test
    void withoutAStopTheSplitCharacterStreamsOnceComplete() {
        TextStream text = new TextStream(TextStreamTest::decode, new StopStrings(List.of("zz")));
        String streamed = stream(text, 0, 1, 2, 3, 4) + text.flush();
        assertEquals("abc€d", text.text());
        assertEquals("abc€d", streamed);
    }

    @Test
    void eachTokenIsDecodedOnceUnlessItEndsInAnIncompleteCharacter() {
        int[] decodedIds = {0};
        TextStream text = new TextStream(ids -> {
            decodedIds[0] += ids.length;
            return decode(ids);
        }, new StopStrings(List.of("zz")));
        int[] tokens = new int[1000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i % 5 == 2 ? 2 : i % 5 == 3 ? 3 : i % 2; // "ab", "c", then "€" split over two tokens
        }
        String streamed = stream(text, tokens) + text.flush();
        assertEquals(decode(tokens), text.text());
        assertEquals(decode(tokens), streamed);
        assertTrue(decodedIds[0] <= 2 * tokens.length, "decoded " + decodedIds[0] + " ids for " + tokens.length
                + " tokens: the whole text is decoded again on every token");
    }
}
