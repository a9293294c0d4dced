package io.sluice.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a stream line by line as raw bytes, so that no line can stop the others: each line comes back as
 * its text, or with the reason it has none (not UTF-8, longer than the limit). A UTF-8 byte-order mark in
 * front of the first line is dropped, a CR before the LF too. Memory is bounded by the longest line kept.
 */
final class JsonlLines implements Closeable {

    /** One line of the stream; {@code text} is null when {@code problem} says why. */
    record Line(long number, String text, String problem) {
    }

    /** The longest line kept, in bytes: far above any prompt a context window holds. */
    static final int DEFAULT_MAX_BYTES = 64 << 20;

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final InputStream in;
    private final int maxBytes;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[1 << 12];
    private long number;
    private boolean eof;

    JsonlLines(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    JsonlLines(InputStream in) {
        this(in, DEFAULT_MAX_BYTES);
    }

    /** The next line, or null at the end of the stream. */
    Line next() throws IOException {
        if (eof) {
            return null;
        }
        int length = 0;
        long total = 0;
        boolean sawNewline = false;
        while (true) {
            if (chunkPos == chunkEnd) {
                chunkEnd = in.read(chunk);
                chunkPos = 0;
                if (chunkEnd <= 0) {
                    chunkEnd = 0;
                    eof = true;
                    break;
                }
            }
            int start = chunkPos;
            int end = start;
            while (end < chunkEnd && chunk[end] != '\n') {
                end++;
            }
            int n = end - start;
            total += n;
            if (total <= maxBytes) {
                if (length + n > line.length) {
                    line = Arrays.copyOf(line, Math.max(length + n, Math.min(maxBytes, line.length * 2)));
                }
                System.arraycopy(chunk, start, line, length, n);
                length += n;
            }
            chunkPos = end;
            if (end < chunkEnd) {
                chunkPos++; // past the newline
                sawNewline = true;
                break;
            }
        }
        if (!sawNewline && total == 0) {
            return null; // the stream ended with a newline, or was empty
        }
        number++;
        if (total > maxBytes) {
            String limit = maxBytes >= 1 << 20 ? (maxBytes >> 20) + " MiB" : maxBytes + " bytes";
            return new Line(number, null, "longer than " + limit + " (" + total + " bytes)");
        }
        int from = 0;
        if (number == 1 && length >= 3 && line[0] == BOM[0] && line[1] == BOM[1] && line[2] == BOM[2]) {
            from = 3;
        }
        if (length > from && line[length - 1] == '\r') {
            length--;
        }
        return decode(line, from, length);
    }

    private Line decode(byte[] bytes, int from, int to) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer src = ByteBuffer.wrap(bytes, from, to - from);
        CharBuffer dst = CharBuffer.allocate(to - from);
        CoderResult r = decoder.decode(src, dst, true);
        if (r.isError()) {
            return new Line(number, null, "not valid UTF-8 (byte " + (src.position() - from + 1) + ")");
        }
        decoder.flush(dst);
        dst.flip();
        return new Line(number, dst.toString(), null);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
