package io.sluice.schemas;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
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
            new AvroCodec<>(DeadLetter.class, DeadLetter.getClassSchema(), List.of("DeadLetter.v1.avsc"));

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
    /** Readers for writer schemas that arrive from outside (a schema registry), by fingerprint. */
    private final Map<Long, SpecificDatumReader<T>> foreignReaders = new ConcurrentHashMap<>();

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

    /** Whether the bytes start with the single-object marker (C3 01). */
    public static boolean isSingleObject(byte[] bytes) {
        return bytes != null && bytes.length >= 2 && bytes[0] == MARKER_0 && bytes[1] == MARKER_1;
    }

    public T decode(byte[] bytes) throws RecordDecodeException {
        if (bytes == null || bytes.length < HEADER_LENGTH || !isSingleObject(bytes)) {
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
        return read(writer, readers.get(fingerprint), bytes, HEADER_LENGTH);
    }

    /** The plain Avro binary datum of a record, without any header (what registry-framed records carry). */
    public byte[] encodeDatum(T record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new SpecificDatumWriter<T>(schema, SpecificData.getForClass(type)).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a binary datum from {@code offset} to the end of {@code bytes}, written with {@code writer} (e.g. a
     * schema fetched from a registry), resolved to the current schema with Avro's resolution rules. A writer
     * schema the current one cannot read (another record, an incompatible change) is WRONG_SCHEMA.
     */
    public T decodeDatum(Schema writer, byte[] bytes, int offset) throws RecordDecodeException {
        long fingerprint = fingerprint(writer);
        SpecificDatumReader<T> reader = readers.get(fingerprint);
        if (reader == null) {
            reader = foreignReaders.get(fingerprint);
        }
        if (reader == null) {
            checkReadable(writer);
            reader = new SpecificDatumReader<>(writer, schema, SpecificData.getForClass(type));
            foreignReaders.put(fingerprint, reader);
        }
        return read(writer, reader, bytes, offset);
    }

    private void checkReadable(Schema writer) throws RecordDecodeException {
        if (writer.getType() != Schema.Type.RECORD || !writer.getName().equals(schema.getName())) {
            throw new RecordDecodeException(RecordDecodeException.Kind.WRONG_SCHEMA, "a "
                    + (writer.getType() == Schema.Type.RECORD ? writer.getFullName() : writer.getType().getName())
                    + " record, expected " + schema.getFullName());
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(schema, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            String detail = compatibility.getResult().getIncompatibilities().stream().findFirst()
                    .map(i -> ": " + i.getMessage() + " at " + i.getLocation()).orElse("");
            throw new RecordDecodeException(RecordDecodeException.Kind.WRONG_SCHEMA,
                    "writer schema of " + writer.getFullName() + " cannot be resolved to the current "
                            + schema.getName() + detail);
        }
    }

    private T read(Schema writer, SpecificDatumReader<T> reader, byte[] bytes, int offset)
            throws RecordDecodeException {
        try {
            BinaryDecoder skipper = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, null);
            GenericDatumReader.skip(writer, skipper);
            if (!skipper.isEnd()) {
                throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                        "trailing bytes after the " + schema.getName() + " record");
            }
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, null);
            return reader.read(null, decoder);
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
