package io.sluice.job.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.JsonRecords;
import io.sluice.operators.validate.ConfluentFraming;
import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.SchemaRegistryClient;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.RecordDecodeException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a job's completions and dead letters as a downstream consumer does ({@code read_committed}: with
 * exactly-once delivery they appear when the checkpoint that wrote them completes), from the beginning, in
 * the topics' format.
 */
public final class ResultReader implements AutoCloseable {

    /** A completion or a dead letter, and when it was read (epoch ms). */
    public record Result(Completion completion, DeadLetter deadLetter, long receivedAt) {
        public boolean isCompletion() {
            return completion != null;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String completionsTopic;
    private final TopicFormat format;
    private final SchemaRegistryClient registry;

    /** Reads topics in Avro single-object encoding. */
    public ResultReader(String bootstrapServers, String completionsTopic, String deadLetterTopic) {
        this(bootstrapServers, completionsTopic, deadLetterTopic, TopicFormat.AVRO, null);
    }

    /** Reads topics in {@code format} ({@code registry}: for avro-confluent, else unused and may be null). */
    public ResultReader(String bootstrapServers, String completionsTopic, String deadLetterTopic,
                        TopicFormat format, RegistrySettings registry) {
        this(bootstrapServers, java.util.Map.of(), completionsTopic, deadLetterTopic, format, registry);
    }

    /**
     * The same with more client properties (a job's {@code kafka.properties}: security settings); its own
     * isolation level, offsets and deserializers win.
     */
    public ResultReader(String bootstrapServers, java.util.Map<String, String> clientProperties,
                        String completionsTopic, String deadLetterTopic, TopicFormat format,
                        RegistrySettings registry) {
        this.format = format;
        this.registry = format == TopicFormat.AVRO_CONFLUENT ? new SchemaRegistryClient(registry) : null;
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.completionsTopic = completionsTopic;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(completionsTopic, deadLetterTopic)) {
            consumer.partitionsFor(topic).forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    public List<Result> poll(Duration timeout) {
        List<Result> results = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            long now = System.currentTimeMillis();
            try {
                if (record.topic().equals(completionsTopic)) {
                    results.add(new Result(completion(record.value()), null, now));
                } else {
                    results.add(new Result(null, deadLetter(record.value()), now));
                }
            } catch (RecordDecodeException | IOException | IllegalArgumentException e) {
                throw new IllegalStateException("unreadable record on " + record.topic() + " (" + format.configName()
                        + "): " + e.getMessage());
            }
        }
        return results;
    }

    private Completion completion(byte[] value) throws RecordDecodeException, IOException {
        return switch (format) {
            case AVRO -> AvroCodec.COMPLETION.decode(value);
            case JSON -> JsonRecords.parseCompletion(JSON.readTree(value));
            case AVRO_CONFLUENT -> AvroCodec.COMPLETION.decodeDatum(writer(value), value,
                    ConfluentFraming.HEADER_LENGTH);
        };
    }

    private DeadLetter deadLetter(byte[] value) throws RecordDecodeException, IOException {
        return switch (format) {
            case AVRO -> AvroCodec.DEAD_LETTER.decode(value);
            case JSON -> JsonRecords.parseDeadLetter(JSON.readTree(value));
            case AVRO_CONFLUENT -> AvroCodec.DEAD_LETTER.decodeDatum(writer(value), value,
                    ConfluentFraming.HEADER_LENGTH);
        };
    }

    private Schema writer(byte[] value) throws RecordDecodeException, IOException {
        if (!ConfluentFraming.isFramed(value)) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE, "not Confluent-framed Avro");
        }
        return registry.schemaById(ConfluentFraming.schemaId(value));
    }

    @Override
    public void close() {
        consumer.close();
    }
}
