package io.sluice.job.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileConstants;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * The output directory of a bulk job: {@code completions/} and {@code dead-letters/}, each holding one part
 * file per writing subtask ({@code part-N.jsonl} or {@code part-N.avro}). Files are appended to record by
 * record, so a run that is killed leaves every finished record readable and at most a partly written last
 * one, which {@link #repair} cuts off. What the files hold tells a rerun which requests are answered.
 */
public final class BulkOutput {
    public static final String COMPLETIONS = "completions";
    public static final String DEAD_LETTERS = "dead-letters";

    private static final ObjectMapper JSON = new ObjectMapper();

    private BulkOutput() {
    }

    /** What earlier runs answered: request ids (completions and dead letters) and dead letters' record positions. */
    public record Answered(Set<String> requestIds, Set<String> deadLetterPositions, long completions,
                           long deadLetters) {
        public boolean isEmpty() {
            return completions == 0 && deadLetters == 0;
        }
    }

    /** Where a dead letter's record was: its file (or topic) and offset. */
    public static String position(String topic, long offset) {
        return topic + "\n" + offset;
    }

    /** Reads every finished record of the output directory (none when it does not exist). */
    public static Answered answered(Path dir) {
        Set<String> ids = new HashSet<>();
        Set<String> positions = new HashSet<>();
        long[] counts = new long[2];
        forEach(dir.resolve(COMPLETIONS), Completion.class, "request_id", c -> {
            ids.add(c.getRequestId().toString());
            counts[0]++;
        }, json -> {
            ids.add(json.path("request_id").asText());
            counts[0]++;
        });
        forEach(dir.resolve(DEAD_LETTERS), DeadLetter.class, "error_code", d -> {
            if (d.getRequestId() != null) {
                ids.add(d.getRequestId().toString());
            }
            positions.add(position(d.getTopic().toString(), d.getOffset()));
            counts[1]++;
        }, json -> {
            if (json.hasNonNull("request_id")) {
                ids.add(json.get("request_id").asText());
            }
            positions.add(position(json.path("topic").asText(), json.path("offset").asLong()));
            counts[1]++;
        });
        return new Answered(ids, positions, counts[0], counts[1]);
    }

    /** The part files of one kind (completions or dead letters), sorted; hidden files are not parts. */
    public static List<Path> parts(Path kindDir) {
        if (!Files.isDirectory(kindDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(kindDir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> formatOf(f) != null).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A part file's format by its extension; null for other files. */
    static BulkFileFormat formatOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".avro") ? BulkFileFormat.AVRO : name.endsWith(".jsonl") ? BulkFileFormat.JSONL : null;
    }

    private static <T> void forEach(Path kindDir, Class<T> type, String requiredField, Consumer<T> avro,
                                    Consumer<JsonNode> json) {
        for (Path part : parts(kindDir)) {
            try {
                if (formatOf(part) == BulkFileFormat.AVRO) {
                    readAvro(part, type, avro);
                } else {
                    readLines(part, line -> {
                        JsonNode node;
                        try {
                            node = JSON.readTree(line);
                        } catch (IOException e) {
                            throw new IllegalArgumentException(part + " is not a bulk output file (a line is not"
                                    + " JSON); give another bulk.output");
                        }
                        if (!node.has(requiredField)) {
                            throw new IllegalArgumentException(part + " is not a bulk output file (no "
                                    + requiredField + "); give another bulk.output");
                        }
                        json.accept(node);
                    });
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The records of an Avro part file up to its last complete block. */
    public static <T> void readAvro(Path file, Class<T> type, Consumer<T> each) throws IOException {
        if (Files.size(file) == 0) {
            return;
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
             DataFileStream<T> records = new DataFileStream<>(in, new SpecificDatumReader<>(type))) {
            while (true) {
                T record;
                try {
                    if (!records.hasNext()) {
                        return;
                    }
                    record = records.next();
                } catch (RuntimeException e) {
                    return; // a partly written last block
                }
                each.accept(record);
            }
        } catch (IOException e) {
            if (endOfCompleteAvro(file) < 0) {
                return; // a file whose header was never finished holds nothing
            }
            throw e;
        }
    }

    /** The complete lines of a JSONL part file (a last line without its newline was cut short). */
    static void readLines(Path file, Consumer<String> each) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    if (!text.isBlank()) {
                        each.accept(text);
                    }
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        }
    }

    /**
     * Cuts a partly written last record off a part file, so that it can be appended to and read to its end.
     * Returns false when nothing of the file is usable (an Avro header that was never finished): the caller
     * starts it anew.
     */
    public static boolean repair(Path file) throws IOException {
        if (!Files.exists(file)) {
            return true;
        }
        long end = formatOf(file) == BulkFileFormat.AVRO ? endOfCompleteAvro(file) : endOfLastLine(file);
        if (end < 0) {
            return false;
        }
        if (end < Files.size(file)) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end);
            }
        }
        return true;
    }

    /**
     * The end of the last complete block of an Avro container file (its header: magic, metadata, sync marker;
     * then blocks of count, size, bytes and the sync marker again); -1 when the header is incomplete.
     */
    static long endOfCompleteAvro(Path file) throws IOException {
        try (CountingInputStream in = new CountingInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            BinaryDecoder d = DecoderFactory.get().directBinaryDecoder(in, null);
            byte[] sync = new byte[DataFileConstants.SYNC_SIZE];
            try {
                byte[] magic = new byte[DataFileConstants.MAGIC.length];
                d.readFixed(magic);
                if (!Arrays.equals(magic, DataFileConstants.MAGIC)) {
                    return -1;
                }
                for (long n = d.readMapStart(); n != 0; n = d.mapNext()) {
                    for (long i = 0; i < n; i++) {
                        d.skipString();
                        d.skipBytes();
                    }
                }
                d.readFixed(sync);
            } catch (EOFException e) {
                return -1;
            }
            long good = in.count;
            byte[] marker = new byte[DataFileConstants.SYNC_SIZE];
            try {
                while (true) {
                    long count = d.readLong();
                    long size = d.readLong();
                    if (count < 0 || size < 0) {
                        return good;
                    }
                    in.skipNBytes(size);
                    d.readFixed(marker);
                    if (!Arrays.equals(marker, sync)) {
                        return good;
                    }
                    good = in.count;
                }
            } catch (EOFException e) {
                return good;
            }
        }
    }

    /** Just past the last newline (0 when there is none), scanning back from the end. */
    static long endOfLastLine(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long pos = ch.size();
            while (pos > 0) {
                int n = (int) Math.min(buf.capacity(), pos);
                long from = pos - n;
                buf.clear().limit(n);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, from + buf.position()) < 0) {
                        throw new IOException(file + " shrank while being read");
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
    }

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
