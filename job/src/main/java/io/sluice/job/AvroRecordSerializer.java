package io.sluice.job;

import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes Sluice records to a topic in Avro single-object encoding, keyed by request_id (so that a request's
 * records share a partition; dead letters of undecodable records have no key).
 */
public abstract class AvroRecordSerializer<T> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    protected AvroRecordSerializer(String topic) {
        this.topic = topic;
    }

    protected abstract String key(T record);

    protected abstract byte[] value(T record);

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        String key = key(record);
        return new ProducerRecord<>(topic, null, timestamp,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value(record));
    }

    public static AvroRecordSerializer<Completion> completions(String topic) {
        return new CompletionSerializer(topic);
    }

    public static AvroRecordSerializer<DeadLetter> deadLetters(String topic) {
        return new DeadLetterSerializer(topic);
    }

    private static final class CompletionSerializer extends AvroRecordSerializer<Completion> {
        private static final long serialVersionUID = 1L;

        CompletionSerializer(String topic) {
            super(topic);
        }

        @Override
        protected String key(Completion record) {
            return record.getRequestId();
        }

        @Override
        protected byte[] value(Completion record) {
            return AvroCodec.COMPLETION.encode(record);
        }
    }

    private static final class DeadLetterSerializer extends AvroRecordSerializer<DeadLetter> {
        private static final long serialVersionUID = 1L;

        DeadLetterSerializer(String topic) {
            super(topic);
        }

        @Override
        protected String key(DeadLetter record) {
            return record.getRequestId();
        }

        @Override
        protected byte[] value(DeadLetter record) {
            return AvroCodec.DEAD_LETTER.encode(record);
        }
    }
}
