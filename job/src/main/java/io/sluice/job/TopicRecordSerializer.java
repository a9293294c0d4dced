package io.sluice.job;

import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes the job's completions or dead letters to their topic in the configured output format, keyed by
 * request_id (a request's records share a partition; dead letters of undecodable records have no key).
 */
public final class TopicRecordSerializer<T> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    /** Which record type the topic carries. */
    private enum Kind { COMPLETION, DEAD_LETTER }

    private final Kind kind;
    private final String topic;
    private final TopicFormat format;
    private final RegistrySettings registry;
    private transient RecordEncoder<?> encoder;

    private TopicRecordSerializer(Kind kind, String topic, TopicFormat format, RegistrySettings registry) {
        this.kind = kind;
        this.topic = Objects.requireNonNull(topic, "topic");
        this.format = Objects.requireNonNull(format, "format");
        this.registry = registry;
    }

    public static TopicRecordSerializer<Completion> completions(String topic, TopicFormat format,
                                                                RegistrySettings registry) {
        return new TopicRecordSerializer<>(Kind.COMPLETION, topic, format, registry);
    }

    public static TopicRecordSerializer<DeadLetter> deadLetters(String topic, TopicFormat format,
                                                                RegistrySettings registry) {
        return new TopicRecordSerializer<>(Kind.DEAD_LETTER, topic, format, registry);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws Exception {
        encoder = switch (kind) {
            case COMPLETION -> RecordEncoder.open(AvroCodec.COMPLETION, JsonRecords::completion, format, registry, topic);
            case DEAD_LETTER -> RecordEncoder.open(AvroCodec.DEAD_LETTER, JsonRecords::deadLetter, format, registry,
                    topic);
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        String key;
        byte[] value;
        if (record instanceof Completion c) {
            key = c.getRequestId();
            value = ((RecordEncoder<Completion>) encoder).encode(c);
        } else {
            DeadLetter d = (DeadLetter) record;
            key = d.getRequestId();
            value = ((RecordEncoder<DeadLetter>) encoder).encode(d);
        }
        return new ProducerRecord<>(topic, null, timestamp,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }
}
