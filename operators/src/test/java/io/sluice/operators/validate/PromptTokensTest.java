package io.sluice.operators.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The token estimate counts UTF-8 bytes without encoding the prompt, and counts them as the encoder would. */
class PromptTokensTest {

    @Test
    void countsUtf8BytesAsTheEncoderDoes() {
        for (String text : List.of("", "ROMEO:", "é", "日本語", "😀 emoji", "a\uD800b", "\uDC00", "end\uD83D",
                "\uD83D\uD83D\uDE00")) {
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, PromptTokens.utf8Length(text), text);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                b.append((char) random.nextInt(0x10000));
            }
            String text = b.toString();
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, PromptTokens.utf8Length(text), "round " + round);
        }
    }
}
