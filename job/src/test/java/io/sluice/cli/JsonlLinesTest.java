package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The line reader under {@code sluice batch}: each line its text or its problem, none able to stop the rest. */
class JsonlLinesTest {

    private static List<JsonlLines.Line> read(byte[] bytes, int maxBytes) throws IOException {
        List<JsonlLines.Line> lines = new ArrayList<>();
        try (JsonlLines r = new JsonlLines(new ByteArrayInputStream(bytes), maxBytes)) {
            for (JsonlLines.Line l = r.next(); l != null; l = r.next()) {
                lines.add(l);
            }
        }
        return lines;
    }

    @Test
    void aLineOverTheLimitIsReportedAndTheNextOneStillRead() throws IOException {
        byte[] bytes = ("short\n" + "x".repeat(100_000) + "\nafter").getBytes();
        List<JsonlLines.Line> lines = read(bytes, 1000);
        assertEquals(3, lines.size());
        assertEquals("short", lines.get(0).text());
        assertNull(lines.get(1).text());
        assertEquals("longer than 1000 bytes (100000 bytes)", lines.get(1).problem());
        assertEquals(new JsonlLines.Line(3, "after", null), lines.get(2));
    }

    @Test
    void bomCrAndBadBytesAreHandledPerLine() throws IOException {
        byte[] bytes = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', '\r', '\n', 'b', (byte) 0xC3, '\n', '\n',
                (byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'c', '\n'};
        List<JsonlLines.Line> lines = read(bytes, 1000);
        assertEquals(new JsonlLines.Line(1, "a", null), lines.get(0));
        assertEquals(new JsonlLines.Line(2, null, "not valid UTF-8 (byte 2)"), lines.get(1));
        assertEquals(new JsonlLines.Line(3, "", null), lines.get(2));
        assertEquals(new JsonlLines.Line(4, "\uFEFFc", null), lines.get(3), "only the file's first BOM is dropped");
        assertEquals(4, lines.size());
    }
}
