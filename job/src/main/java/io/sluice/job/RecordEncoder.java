package io.sluice.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.operators.validate.ConfluentFraming;
import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.SchemaRegistryClient;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.AvroCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Writes one record type in a topic's format: Avro single-object encoding, a JSON object, or Avro framed for
 * the Schema Registry with the schema registered under {@code <topic>-value} (Confluent's TopicNameStrategy)
 * when the encoder is opened. Not serializable: made where it is used.
 */
public final class RecordEncoder<T extends SpecificRecordBase> {
    private final AvroCodec<T> codec;
    private final Function<T, ObjectNode> json;
    private final TopicFormat format;
    private final int schemaId;

    private RecordEncoder(AvroCodec<T> codec, Function<T, ObjectNode> json, TopicFormat format, int schemaId) {
        this.codec = codec;
        this.json = json;
        this.format = format;
        this.schemaId = schemaId;
    }

    /**
     * An encoder for {@code topic}; for avro-confluent it registers the codec's schema with the registry
     * (an IOException when the registry cannot be reached or refuses the schema).
     */
    public static <T extends SpecificRecordBase> RecordEncoder<T> open(AvroCodec<T> codec, Function<T, ObjectNode> json,
                                                                       TopicFormat format, RegistrySettings registry,
                                                                       String topic) throws IOException {
        Objects.requireNonNull(format, "format");
        int id = -1;
        if (format == TopicFormat.AVRO_CONFLUENT) {
            id = new SchemaRegistryClient(registry).register(subject(topic), codec.schema());
        }
        return new RecordEncoder<>(codec, json, format, id);
    }

    /** The registry subject of a topic's values. */
    public static String subject(String topic) {
        return topic + "-value";
    }

    public byte[] encode(T record) {
        return switch (format) {
            case AVRO -> codec.encode(record);
            case JSON -> JsonRecords.line(json.apply(record)).getBytes(StandardCharsets.UTF_8);
            case AVRO_CONFLUENT -> ConfluentFraming.frame(schemaId, codec.encodeDatum(record));
        };
    }
}
