package io.sluice.job.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamplePromptsTest {

    @TempDir
    Path dir;

    @Test
    void aLineThatIsNotUtf8IsNamedByNumber() throws Exception {
        Path prompts = dir.resolve("prompts.jsonl");
        byte[] good = "{\"request_id\":\"a\",\"prompt\":\"ROMEO:\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 'p', '"', ':', '"', (byte) 0xC3, '"', '}', '\n'};
        Files.write(prompts, concat(good, bad));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SamplePrompts.load(prompts, null));
        assertEquals(prompts + ":2: not valid UTF-8", e.getMessage());
    }

    @Test
    void windowsLineEndsAndNonAsciiTextAreRead() throws Exception {
        Path prompts = dir.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"request_id\":\"a\",\"prompt\":\"JULIET: ô\"}\r\n\r\n"
                + "{\"request_id\":\"b\",\"prompt\":\"ROMEO:\"}\r\n", StandardCharsets.UTF_8);
        assertEquals(2, SamplePrompts.load(prompts, null).total());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
