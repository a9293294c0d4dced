package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The bundled Shakespeare model's own vocabulary against llama.cpp's run on it (shakespeare.greedy-romeo.json). */
class ShakespeareTokenizerTest {

    private static final String REFERENCE = TestVocabularies.read(
            TestVocabularies.resource("models/shakespeare.greedy-romeo.json"));

    @Test
    void promptEncodesWithBosAsTheMetadataSays() {
        Tokenizer t = TestVocabularies.shakespeare();
        assertTrue(t.addBos());
        assertArrayEquals(ints("prompt_ids"), t.encode(string("prompt"), true));
        assertArrayEquals(new int[] {1, 957}, t.encode("ROMEO:", true));
        assertEquals("ROMEO:", t.decode(new int[] {1, 957}));
    }

    @Test
    void completionDecodesToTheReferencePiecesAndText() {
        Tokenizer t = TestVocabularies.shakespeare();
        int[] ids = ints("token_ids");
        List<String> pieces = strings("pieces");
        assertEquals(ids.length, pieces.size());
        for (int i = 0; i < ids.length; i++) {
            assertEquals(pieces.get(i), t.piece(ids[i]), "piece of " + ids[i]);
        }
        String text = string("text");
        assertEquals(text, t.decodeContinuation(ids));
        StreamingDecoder stream = t.newStreamingDecoder();
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            streamed.append(stream.push(id));
        }
        streamed.append(stream.flush());
        assertEquals(text, streamed.toString());
        // The completion's text re-encodes to ids that decode to the same text.
        assertEquals(text, t.decode(t.encode(text, false)));
    }

    private static int[] ints(String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \\[([0-9, ]*)]").matcher(REFERENCE);
        assertTrue(m.find(), key);
        return java.util.Arrays.stream(m.group(1).split(",\\s*")).mapToInt(Integer::parseInt).toArray();
    }

    private static String string(String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\"(?:[^\"\\\\]|\\\\.)*\")").matcher(REFERENCE);
        assertTrue(m.find(), key);
        return parseStrings(m.group(1)).get(0);
    }

    private static List<String> strings(String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \\[((?:\"(?:[^\"\\\\]|\\\\.)*\"(?:, )?)*)]").matcher(REFERENCE);
        assertTrue(m.find(), key);
        return parseStrings(m.group(1));
    }

    /** The JSON string literals in a text (the escapes this file uses). */
    private static List<String> parseStrings(String json) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        while (m.find()) {
            String s = m.group(1);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(++i);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
            out.add(b.toString());
        }
        return out;
    }
}
