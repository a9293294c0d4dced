package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.JsonRecords;
import io.sluice.operators.validate.ConfluentFraming;
import io.sluice.operators.validate.RecordSniffer;
import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.SchemaRegistryClient;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.RecordDecodeException;
import java.io.IOException;
import org.apache.avro.Schema;

/**
 * Turns a record of a completions or dead-letter topic, in the topic's format, into one JSON line (the
 * objects of {@link JsonRecords}). Records that are neither are a {@link RecordDecodeException} naming the
 * format expected.
 */
final class ResultDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TopicFormat format;
    private final SchemaRegistryClient registry;

    ResultDecoder(TopicFormat format, RegistrySettings registry) {
        this.format = format;
        this.registry = format == TopicFormat.AVRO_CONFLUENT ? new SchemaRegistryClient(registry) : null;
    }

    String jsonLine(byte[] value) throws RecordDecodeException, IOException {
        return switch (format) {
            case JSON -> json(value);
            case AVRO -> avro(value);
            case AVRO_CONFLUENT -> confluent(value);
        };
    }

    private static String json(byte[] value) throws RecordDecodeException {
        try {
            JsonNode node = JSON.readTree(value);
            if (node != null && node.isObject()) {
                return JSON.writeValueAsString(node);
            }
        } catch (IOException e) {
            // Reported below, with what the bytes look like.
        }
        throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                TopicFormat.JSON.expected() + RecordSniffer.looksLike(value));
    }

    private static String avro(byte[] value) throws RecordDecodeException {
        if (!AvroCodec.isSingleObject(value)) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                    TopicFormat.AVRO.expected() + RecordSniffer.looksLike(value));
        }
        try {
            return JsonRecords.line(JsonRecords.completion(AvroCodec.COMPLETION.decode(value)));
        } catch (RecordDecodeException e) {
            if (e.kind() != RecordDecodeException.Kind.WRONG_SCHEMA) {
                throw e;
            }
            return JsonRecords.line(JsonRecords.deadLetter(AvroCodec.DEAD_LETTER.decode(value)));
        }
    }

    private String confluent(byte[] value) throws RecordDecodeException, IOException {
        if (!ConfluentFraming.isFramed(value)) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE,
                    TopicFormat.AVRO_CONFLUENT.expected() + RecordSniffer.looksLike(value));
        }
        Schema writer = registry.schemaById(ConfluentFraming.schemaId(value));
        if (writer.getFullName().equals(DeadLetter.getClassSchema().getFullName())) {
            DeadLetter d = AvroCodec.DEAD_LETTER.decodeDatum(writer, value, ConfluentFraming.HEADER_LENGTH);
            return JsonRecords.line(JsonRecords.deadLetter(d));
        }
        Completion c = AvroCodec.COMPLETION.decodeDatum(writer, value, ConfluentFraming.HEADER_LENGTH);
        return JsonRecords.line(JsonRecords.completion(c));
    }
}
