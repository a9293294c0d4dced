package io.sluice.job.bulk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.job.JsonRecords;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Writes a bulk job's records to {@code DIR/KIND/part-N.EXT}, N the subtask, appending and flushing each
 * record as it comes (an Avro block or a JSON line), so that whatever a killed run finished stays answered and
 * a rerun resumes after it. A partly written last record of an earlier run is cut off first. The directory must
 * be on a file system with appends (local or shared, such as NFS); each subtask owns its file.
 */
public final class AppendingFileSink<T extends SpecificRecordBase> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private final String dir;
    private final BulkFileFormat format;
    private final Class<T> type;
    private final SerializableFunction<T, ObjectNode> json;

    private AppendingFileSink(String dir, BulkFileFormat format, Class<T> type,
                              SerializableFunction<T, ObjectNode> json) {
        this.dir = dir;
        this.format = format;
        this.type = type;
        this.json = json;
    }

    public static AppendingFileSink<Completion> completions(Path output, BulkFileFormat format) {
        return new AppendingFileSink<>(output.resolve(BulkOutput.COMPLETIONS).toString(), format, Completion.class,
                JsonRecords::completion);
    }

    public static AppendingFileSink<DeadLetter> deadLetters(Path output, BulkFileFormat format) {
        return new AppendingFileSink<>(output.resolve(BulkOutput.DEAD_LETTERS).toString(), format, DeadLetter.class,
                JsonRecords::deadLetter);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        Path file = Path.of(dir, "part-" + context.getTaskInfo().getIndexOfThisSubtask() + format.extension());
        Files.createDirectories(file.getParent());
        if (!BulkOutput.repair(file)) {
            Files.delete(file);
        }
        return format == BulkFileFormat.AVRO ? new AvroWriter<>(file, type) : new JsonlWriter<>(file, json);
    }

    private static final class AvroWriter<T extends SpecificRecordBase> implements SinkWriter<T> {
        private final DataFileWriter<T> writer;

        AvroWriter(Path file, Class<T> type) throws IOException {
            DataFileWriter<T> w = new DataFileWriter<>(new SpecificDatumWriter<>(type));
            try {
                if (Files.exists(file) && Files.size(file) > 0) {
                    w.appendTo(file.toFile());
                } else {
                    w.create(org.apache.avro.specific.SpecificData.get().getSchema(type), file.toFile());
                }
            } catch (IOException | RuntimeException e) {
                w.close();
                throw e;
            }
            this.writer = w;
        }

        @Override
        public void write(T record, Context context) throws IOException {
            writer.append(record);
            writer.flush();
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            writer.flush();
        }

        @Override
        public void close() throws IOException {
            writer.close();
        }
    }

    private static final class JsonlWriter<T> implements SinkWriter<T> {
        private final OutputStream out;
        private final SerializableFunction<T, ObjectNode> json;

        JsonlWriter(Path file, SerializableFunction<T, ObjectNode> json) throws IOException {
            this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            this.json = json;
        }

        @Override
        public void write(T record, Context context) throws IOException {
            out.write((JsonRecords.line(json.apply(record)) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
