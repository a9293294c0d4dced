package io.sluice.job.bulk;

import io.sluice.operators.model.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * The records of an Avro container file as raw records, undecoded: each datum's bytes exactly as in the file
 * (blocks decompressed), framed in Avro's single-object encoding with the file's writer schema (C3 01, its
 * fingerprint, the datum), so that validation decodes them — a bad datum becomes a dead letter with its own
 * bytes, not a failed source. The offset is the record's number in the file, from 1.
 */
final class AvroRecordFormat extends SimpleStreamFormat<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final String source;

    AvroRecordFormat(String source) {
        this.source = source;
    }

    @Override
    public StreamFormat.Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream)
            throws IOException {
        DataFileStream<Object> file;
        try {
            file = new DataFileStream<>(stream, new GenericDatumReader<>());
        } catch (IOException e) {
            throw new IOException("bulk input " + source + " is not an Avro container file: " + e.getMessage(), e);
        }
        Schema writer = file.getSchema();
        byte[] header = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3).put((byte) 0x01)
                .putLong(SchemaNormalization.parsingFingerprint64(writer)).array();
        return new StreamFormat.Reader<>() {
            private byte[] block;
            private ByteArrayInputStream in;
            private BinaryDecoder decoder;
            private long remaining;
            private long record;

            @Override
            public RawRecord read() throws IOException {
                while (remaining == 0) {
                    if (!nextBlock()) {
                        return null;
                    }
                }
                int start = block.length - in.available();
                int end;
                try {
                    GenericDatumReader.skip(writer, decoder);
                    end = block.length - in.available();
                    remaining--;
                } catch (IOException | RuntimeException e) {
                    // No way to find where the next datum starts: the rest of the block is one bad record.
                    end = block.length;
                    remaining = 0;
                }
                byte[] value = Arrays.copyOf(header, header.length + end - start);
                System.arraycopy(block, start, value, header.length, end - start);
                return new RawRecord(source, 0, ++record, -1, value);
            }

            private boolean nextBlock() throws IOException {
                try {
                    if (!file.hasNext()) {
                        return false;
                    }
                    remaining = file.getBlockCount();
                    ByteBuffer buffer = file.nextBlock();
                    block = new byte[buffer.remaining()];
                    buffer.get(block);
                } catch (RuntimeException e) {
                    throw new IOException("bulk input " + source + ": corrupt Avro block after record " + record
                            + ": " + e.getMessage(), e);
                }
                in = new ByteArrayInputStream(block);
                decoder = DecoderFactory.get().directBinaryDecoder(in, null);
                return true;
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
