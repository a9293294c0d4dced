package io.sluice.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The output file of {@code sluice batch}: the ids it already answers (read as a stream, however large
 * the file), and the appending of result lines, one flushed line each. Writing stops at the first I/O error,
 * which {@link #failure()} then reports, so that a full disk ends the run instead of losing lines silently.
 */
final class BatchOutput implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** For the rare line holding a lone UTF-16 surrogate: escaped, it is valid JSON and reads back the same. */
    private static final ObjectWriter ASCII = MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

    private final Path file;
    private final OutputStream out;
    private IOException failure;

    private BatchOutput(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /** Opens the file for appending, creating it when missing. */
    static BatchOutput append(Path file) throws IOException {
        return new BatchOutput(file, Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE));
    }

    /**
     * The ids a regular output file already answers (results and errors alike). A last line without its
     * newline was cut short by an interrupted run: it is removed first, so that its request runs again.
     * Devices and pipes answer nothing.
     */
    static Set<String> answeredIds(Path file, PrintWriter err) throws IOException {
        Set<String> ids = new HashSet<>();
        if (!Files.isRegularFile(file)) {
            return ids;
        }
        long end;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            end = endOfLastLine(ch);
            if (end < ch.size()) {
                ch.truncate(end);
                err.printf("batch: removed a partly written last line of %s%n", file);
            }
        }
        JsonFactory json = MAPPER.getFactory();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
             JsonlLines lines = new JsonlLines(in, Integer.MAX_VALUE - 16)) {
            for (JsonlLines.Line line = lines.next(); line != null; line = lines.next()) {
                if (line.text() != null && line.text().isBlank()) {
                    continue;
                }
                String id = line.text() == null ? null : idOf(json, line.text());
                if (id == null) {
                    throw new UserError("output file " + file + ": line " + line.number()
                            + " is not a batch result (an object with a request_id and token_ids or error); give another"
                            + " --output");
                }
                ids.add(id);
            }
        }
        return ids;
    }

    /** Just past the last newline, scanning back from the end: a huge file is not read whole. */
    private static long endOfLastLine(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long pos = ch.size();
        while (pos > 0) {
            int n = (int) Math.min(buf.capacity(), pos);
            buf.clear().limit(n);
            long from = pos - n;
            while (buf.hasRemaining()) {
                if (ch.read(buf, from + buf.position()) < 0) {
                    throw new IOException("the file shrank while being read");
                }
            }
            for (int i = n - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return from + i + 1;
                }
            }
            pos = from;
        }
        return 0;
    }

    /**
     * The top-level "request_id" (or, in files of earlier releases, "id") of a result line (an object with an id
     * and {@code token_ids} or {@code error}),
     * skipping every other value unread; null for anything else, such as a request line of an input file.
     */
    private static String idOf(JsonFactory json, String line) {
        try (JsonParser p = json.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String id = null;
            boolean answer = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                // "id" is how results were keyed before they took the request format's name: still resumable
                if (("request_id".equals(name) || "id".equals(name)) && (value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT)) {
                    id = p.getText();
                }
                answer |= "token_ids".equals(name) || "error".equals(name);
                p.skipChildren();
            }
            return answer ? id : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** One JSON line, UTF-8, flushed; nothing more once a write has failed. */
    synchronized void write(ObjectNode line) {
        if (failure != null) {
            return;
        }
        try {
            String text = MAPPER.writeValueAsString(line);
            if (hasLoneSurrogate(text)) {
                text = ASCII.writeValueAsString(line);
            }
            out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            failure = e;
        }
    }

    /** The first write error, or null. */
    synchronized IOException failure() {
        return failure;
    }

    /** One line for the user about a write failure. */
    String describeFailure() {
        IOException e = failure();
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "cannot write " + file + ": " + reason;
    }

    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }
}
