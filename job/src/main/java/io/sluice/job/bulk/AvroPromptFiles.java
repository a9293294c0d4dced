package io.sluice.job.bulk;

import io.sluice.schemas.PromptRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.flink.core.fs.Path;

/**
 * The writer schemas of a bulk input's Avro files, read from their headers before the job starts: each must
 * be a PromptRequest schema that the current one can read (an older version, or one written by another tool).
 */
public final class AvroPromptFiles {
    private AvroPromptFiles() {
    }

    /** Writer schema JSON by fingerprint; an IllegalArgumentException naming the first file that is not usable. */
    public static Map<Long, String> writerSchemas(String input) {
        Map<Long, String> schemas = new HashMap<>();
        try {
            List<Path> files = InputFiles.list(input);
            for (Path file : files) {
                Schema writer = schemaOf(file);
                schemas.put(SchemaNormalization.parsingFingerprint64(writer), writer.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return schemas;
    }

    private static Schema schemaOf(Path file) throws IOException {
        String name = InputFiles.sourceName(file);
        Schema writer;
        try (InputStream in = file.getFileSystem().open(file);
             DataFileStream<Object> stream = new DataFileStream<>(in, new GenericDatumReader<>())) {
            writer = stream.getSchema();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("bulk.input " + name + " is not an Avro container file ("
                    + firstLine(e.getMessage()) + ")");
        }
        Schema reader = PromptRequest.getClassSchema();
        if (writer.getType() != Schema.Type.RECORD || !writer.getName().equals(reader.getName())) {
            throw new IllegalArgumentException("bulk.input " + name + " holds "
                    + (writer.getType() == Schema.Type.RECORD ? writer.getFullName() : writer.getType().getName())
                    + " records, not " + reader.getFullName());
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            String detail = compatibility.getResult().getIncompatibilities().stream().findFirst()
                    .map(i -> ": " + i.getMessage() + " at " + i.getLocation()).orElse("");
            throw new IllegalArgumentException("bulk.input " + name + ": its PromptRequest schema cannot be read as"
                    + " the current one" + detail);
        }
        return writer;
    }

    private static String firstLine(String message) {
        return message == null ? "unreadable" : message.lines().findFirst().orElse(message);
    }
}
