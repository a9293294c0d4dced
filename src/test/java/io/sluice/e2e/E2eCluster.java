package io.sluice.e2e;

import io.sluice.job.JobConfig;
import io.sluice.job.JobConfigLoader;
import io.sluice.job.local.LocalKafka;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real Kafka broker and a real Flink MiniCluster for one test class, with an in-memory metrics reporter,
 * and the test's way to write prompts and read what the job committed.
 */
final class E2eCluster implements AutoCloseable {
    private static final AtomicInteger JOBS = new AtomicInteger();

    final LocalKafka kafka;
    final MiniCluster flink;
    final InMemoryReporter metrics;
    /** MiniCluster keeps terminated TaskManagers in its list: the index of the one started last. */
    private int latestTaskManager;

    private E2eCluster(LocalKafka kafka, MiniCluster flink, InMemoryReporter metrics, int taskManagers) {
        this.kafka = kafka;
        this.flink = flink;
        this.metrics = metrics;
        this.latestTaskManager = taskManagers - 1;
    }

    /** Terminates the TaskManager started last (abruptly, its tasks fail) and starts a new one. */
    synchronized void replaceLatestTaskManager() throws Exception {
        flink.terminateTaskManager(latestTaskManager).get(30, TimeUnit.SECONDS);
        flink.startTaskManager();
        latestTaskManager++;
    }

    static E2eCluster start(int taskManagers, int slotsPerTaskManager) throws Exception {
        return start(taskManagers, slotsPerTaskManager, new Configuration());
    }

    /** A cluster with more Flink settings (for example another metrics reporter beside the in-memory one). */
    static E2eCluster start(int taskManagers, int slotsPerTaskManager, Configuration extra) throws Exception {
        LocalKafka kafka = LocalKafka.start();
        InMemoryReporter metrics = InMemoryReporter.createWithRetainedMetrics();
        Configuration config = new Configuration(extra);
        config.set(RestOptions.BIND_PORT, "0");
        metrics.addToConfiguration(config);
        MiniCluster flink = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(config)
                .setNumTaskManagers(taskManagers).setNumSlotsPerTaskManager(slotsPerTaskManager).build());
        try {
            flink.start();
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return new E2eCluster(kafka, flink, metrics, taskManagers);
    }

    StreamExecutionEnvironment env() {
        return new TestStreamEnvironment(flink, 1);
    }

    /**
     * A job configuration on fresh topics (created here), bounded to the input present when it starts,
     * with the bundled model, quick checkpoints and quick restarts; overrides go last.
     */
    JobConfig config(String name, String... overrides) throws Exception {
        String prefix = name + "-" + JOBS.incrementAndGet();
        List<String> all = new ArrayList<>(List.of(
                "kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                "kafka.input-topic=" + prefix + "-prompts",
                "kafka.output-topic=" + prefix + "-completions",
                "kafka.dead-letter-topic=" + prefix + "-dead-letters",
                "kafka.group-id=" + prefix,
                "kafka.transactional-id-prefix=" + prefix,
                "kafka.stop-at-latest=true",
                "model.path=" + TestPaths.shakespeare(),
                "model.max-sequences=8",
                "checkpoint-interval-ms=300",
                "micro-batch.max-requests=4",
                "micro-batch.max-wait-ms=20",
                "inference.max-in-flight-requests=8",
                "flink.restart-strategy.type=fixed-delay",
                "flink.restart-strategy.fixed-delay.attempts=10",
                "flink.restart-strategy.fixed-delay.delay=200 ms"));
        all.addAll(Arrays.asList(overrides));
        JobConfig config = JobConfigLoader.load(null, all);
        kafka.createTopics(Map.of(config.kafka().inputTopic(), 2, config.kafka().outputTopic(), 2,
                config.kafka().deadLetterTopic(), 1));
        return config;
    }

    /**
     * Another configuration of the same job: its topics, consumer group and transactional ids, with other
     * settings (for example a new parallelism to restore a savepoint with).
     */
    JobConfig sameJob(JobConfig job, String... overrides) throws Exception {
        JobConfig.Kafka k = job.kafka();
        List<String> all = new ArrayList<>(List.of(
                "kafka.input-topic=" + k.inputTopic(),
                "kafka.output-topic=" + k.outputTopic(),
                "kafka.dead-letter-topic=" + k.deadLetterTopic(),
                "kafka.group-id=" + k.groupId(),
                "kafka.transactional-id-prefix=" + k.transactionalIdPrefix()));
        all.addAll(Arrays.asList(overrides));
        return config("same-job", all.toArray(String[]::new));
    }

    void produce(String topic, List<byte[]> values) {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (byte[] v : values) {
                producer.send(new ProducerRecord<>(topic, v));
            }
            producer.flush();
        }
    }

    void produceRequests(String topic, List<PromptRequest> requests) {
        produce(topic, requests.stream().map(AvroCodec.PROMPT_REQUEST::encode).toList());
    }

    /** Requests to one partition of the topic, in order. */
    void produceRequests(String topic, int partition, List<PromptRequest> requests) {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (PromptRequest r : requests) {
                producer.send(new ProducerRecord<>(topic, partition, null, AvroCodec.PROMPT_REQUEST.encode(r)));
            }
            producer.flush();
        }
    }

    /** Every record a read_committed consumer sees on the topic now. */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        return read(topic, "read_committed");
    }

    /** Every record on the topic now, also those of open and aborted transactions. */
    List<ConsumerRecord<byte[], byte[]>> readUncommitted(String topic) {
        return read(topic, "read_uncommitted");
    }

    private List<ConsumerRecord<byte[], byte[]>> read(String topic, String isolationLevel) {
        Properties p = kafka.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    List<Completion> completions(JobConfig config) {
        return decode(readCommitted(config.kafka().outputTopic()), AvroCodec.COMPLETION);
    }

    /** The completions on the output topic, committed or not (a read_uncommitted consumer's view). */
    List<Completion> uncommittedCompletions(JobConfig config) {
        return decode(readUncommitted(config.kafka().outputTopic()), AvroCodec.COMPLETION);
    }

    List<DeadLetter> deadLetters(JobConfig config) {
        return decode(readCommitted(config.kafka().deadLetterTopic()), AvroCodec.DEAD_LETTER);
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> decode(
            List<ConsumerRecord<byte[], byte[]>> records, AvroCodec<T> codec) {
        return records.stream().flatMap(r -> {
            try {
                return Stream.of(codec.decode(r.value()));
            } catch (RecordDecodeException e) {
                throw new AssertionError("the job wrote an unreadable record: " + e.getMessage());
            }
        }).toList();
    }

    @Override
    public void close() throws Exception {
        try {
            flink.close();
        } finally {
            kafka.close();
        }
    }
}
