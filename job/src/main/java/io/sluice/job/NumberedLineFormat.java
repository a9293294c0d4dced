package io.sluice.job;

import io.sluice.operators.model.RawRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Lines of a JSONL file as raw records: the source is the input path, the offset the line number (from 1),
 * so that a dead letter points at its line. Blank lines are skipped. Files are read whole (not split), so
 * line numbers count from each file's start.
 */
public final class NumberedLineFormat extends SimpleStreamFormat<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final String source;

    public NumberedLineFormat(String source) {
        this.source = source;
    }

    @Override
    public StreamFormat.Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        return new StreamFormat.Reader<>() {
            private long line;

            @Override
            public RawRecord read() throws IOException {
                String text;
                do {
                    text = reader.readLine();
                    if (text == null) {
                        return null;
                    }
                    line++;
                } while (text.isBlank());
                return new RawRecord(source, 0, line, -1, text.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
