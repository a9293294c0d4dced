package io.sluice.schemas;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Reads and writes one record type in Avro's single-object encoding (marker C3 01, the writer schema's
 * 64-bit fingerprint, the binary datum): the format of every Sluice topic. Records written with an older
 * version of the schema (kept under {@code io/sluice/schemas/history/}) are resolved to the current one.
 * Decoding treats the bytes as untrusted: the datum is first skipped through with the writer schema, which
 * reads no lengths into allocations, so a corrupt length fails as UNDECODABLE instead of exhausting memory.
 * Thread-safe.
 */
public final class AvroCodec<T extends SpecificRecordBase> {

    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    private static final int HEADER_LENGTH = 10;

    public static final AvroCodec<PromptRequest> PROMPT_REQUEST =
            new AvroCodec<>(PromptRequest.class, PromptRequest.getClassSchema(), List.of("PromptRequest.v1.avsc", "PromptRequest.v2.avsc"));
    public static final AvroCodec<Completion> COMPLETION =
            new AvroCodec<>(Completion.class, Completion.getClassSchema(), List.of());
    public static final AvroCodec<DeadLetter> DEAD_LETTER =
            new AvroCodec<>(DeadLetter.class, DeadLetter.getClassSchema(), List.of());

    /** Schemas of other Sluice records, to name them when they arrive on the wrong topic. */
    private static final Map<Long, String> SLUICE_SCHEMAS = Map.of(
            fingerprint(PromptRequest.getClassSchema()), PromptRequest.getClassSchema().getFullName(),
            fingerprint(Completion.getClassSchema()), Completion.getClassSchema().getFullName(),
            fingerprint(DeadLetter.getClassSchema()), DeadLetter.getClassSchema().getFullName());

    private final Class<T> type;
    private final Schema schema;
    private final Map<Long, Schema> writerSchemas = new HashMap<>();
    private final Map<Long, SpecificDatumReader<T>> readers = new HashMap<>();
    private final BinaryMessageEncoder<T> encoder;

    private AvroCodec(Class<T> type, Schema schema, List<String> history) {
        this.type = type;
        this.schema = schema;
        this.encoder = new BinaryMessageEncoder<>(SpecificData.getForClass(type), schema);
        register(schema);
        for (String resource : history) {
            register(loadHistory(resource));
        }
    }

    /** The current (reader) schema. */
    public Schema schema() {
        return schema;
    }

    /** The schemas this codec can read: the current one and all earlier versions. */
    public List<Schema> readableSchemas() {
        return List.copyOf(writerSchemas.values());
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public T decode(byte[] bytes) throws RecordDecodeException {
        if (bytes == null || bytes.length < HEADER_LENGTH || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                    "not an Avro single-object encoded record (no C3 01 marker)");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = writerSchemas.get(fingerprint);
        if (writer == null) {
            String known = SLUICE_SCHEMAS.get(fingerprint);
            throw new RecordDecodeException(RecordDecodeException.Kind.WRONG_SCHEMA, known != null
                    ? "a " + known + " record, expected " + schema.getFullName()
                    : String.format("unknown writer schema (fingerprint %016x), expected %s", fingerprint,
                            schema.getFullName()));
        }
        try {
            BinaryDecoder skipper = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH,
                    bytes.length - HEADER_LENGTH, null);
            GenericDatumReader.skip(writer, skipper);
            if (!skipper.isEnd()) {
                throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                        "trailing bytes after the " + schema.getName() + " record");
            }
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH,
                    bytes.length - HEADER_LENGTH, null);
            return readers.get(fingerprint).read(null, decoder);
        } catch (EOFException e) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                    "truncated " + schema.getName() + " record");
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                    "corrupt " + schema.getName() + " record: " + e.getMessage());
        }
    }

    private void register(Schema writer) {
        long fingerprint = fingerprint(writer);
        writerSchemas.put(fingerprint, writer);
        // Datum readers are thread-safe (their resolvers are cached per thread).
        readers.put(fingerprint, new SpecificDatumReader<>(writer, schema, SpecificData.getForClass(type)));
    }

    static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static Schema loadHistory(String resource) {
        try (InputStream in = AvroCodec.class.getResourceAsStream("history/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing schema history resource " + resource);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
