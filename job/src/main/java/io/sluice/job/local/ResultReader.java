package io.sluice.job.local;

import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.RecordDecodeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a job's completions and dead letters as a downstream consumer does ({@code read_committed}: with
 * exactly-once delivery they appear when the checkpoint that wrote them completes), from the beginning.
 */
public final class ResultReader implements AutoCloseable {

    /** A completion or a dead letter, and when it was read (epoch ms). */
    public record Result(Completion completion, DeadLetter deadLetter, long receivedAt) {
        public boolean isCompletion() {
            return completion != null;
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String completionsTopic;

    public ResultReader(String bootstrapServers, String completionsTopic, String deadLetterTopic) {
        Properties p = new Properties();
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
                    results.add(new Result(AvroCodec.COMPLETION.decode(record.value()), null, now));
                } else {
                    results.add(new Result(null, AvroCodec.DEAD_LETTER.decode(record.value()), now));
                }
            } catch (RecordDecodeException e) {
                throw new IllegalStateException("unreadable record on " + record.topic() + ": " + e.getMessage());
            }
        }
        return results;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
