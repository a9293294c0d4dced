package io.sluice.job.bulk;

import io.sluice.job.NumberedLineFormat;
import io.sluice.operators.model.RawRecord;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;

/**
 * Reads each input file whole with the bulk format's record reader, naming the file itself (not the input
 * directory) as the records' source, so that a dead letter's topic and offset point at one record of one file
 * and a rerun can tell which records it already answered.
 */
public final class PerFileFormat implements BulkFormat<RawRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final BulkFileFormat format;

    public PerFileFormat(BulkFileFormat format) {
        this.format = format;
    }

    private BulkFormat<RawRecord, FileSourceSplit> forFile(FileSourceSplit split) {
        String source = InputFiles.sourceName(split.path());
        StreamFormat<RawRecord> records = format == BulkFileFormat.AVRO ? new AvroRecordFormat(source)
                : new NumberedLineFormat(source);
        return new StreamFormatAdapter<>(records);
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return forFile(split).createReader(config, split);
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        return forFile(split).restoreReader(config, split);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
