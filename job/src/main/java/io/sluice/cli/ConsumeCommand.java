package io.sluice.cli;

import io.sluice.schemas.RecordDecodeException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice consume}: prints the Completion and DeadLetter records of a topic as JSON lines (for jq),
 * reading as the job's downstream consumers do ({@code read_committed}: with exactly-once delivery a record
 * appears when the checkpoint that wrote it completes). Reads every partition, without a consumer group.
 * A record that is not in the topic's format is reported on stderr and skipped.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print the completions or dead letters of a Kafka topic as JSON lines.")
final class ConsumeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka brokers (default: kafka.bootstrap-servers of --config).")
    String bootstrapServers;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Topic (default: kafka.output-topic, sluice-completions).")
    String topic;

    @Option(names = "--format", paramLabel = "FORMAT", description = "avro, json or avro-confluent (default: kafka.output-format, avro).")
    String format;

    @Option(names = "--schema-registry", paramLabel = "URL", description = "Schema Registry for avro-confluent (default: schema-registry.url).")
    String schemaRegistry;

    @Option(names = "--from-beginning", description = "Start at the oldest record (default: only records that arrive from now on).")
    boolean fromBeginning;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N records.")
    Integer max;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop when no record arrived for this long (default: wait until stopped).")
    Long timeoutSeconds;

    @Option(names = "--config", paramLabel = "FILE", description = "Job configuration to take the settings above and kafka.properties from.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a job setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (max != null && max < 1) {
            throw new UserError("--max must be >= 1, got " + max);
        }
        if (timeoutSeconds != null && timeoutSeconds < 1) {
            throw new UserError("--timeout must be >= 1 second, got " + timeoutSeconds);
        }
        KafkaEndpoint endpoint = KafkaEndpoint.of(config, overrides, bootstrapServers, schemaRegistry, topic, format,
                false);
        TopicDescription description = endpoint.describeTopic();
        ResultDecoder decoder = new ResultDecoder(endpoint.format, endpoint.config.schemaRegistry().settings());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Properties p = endpoint.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        int printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = description.partitions().stream()
                    .map(info -> new TopicPartition(endpoint.topic, info.partition())).toList();
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
            }
            long lastRecord = System.nanoTime();
            while (max == null || printed < max) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (timeoutSeconds != null && System.nanoTime() - lastRecord > timeoutSeconds * 1_000_000_000L) {
                        break;
                    }
                    continue;
                }
                lastRecord = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    try {
                        out.println(decoder.jsonLine(r.value() == null ? new byte[0] : r.value()));
                        printed++;
                    } catch (RecordDecodeException e) {
                        err.printf("consume: %s/%d@%d: %s (skipped)%n", r.topic(), r.partition(), r.offset(),
                                e.getMessage());
                    }
                    if (max != null && printed >= max) {
                        break;
                    }
                }
                out.flush();
                err.flush();
            }
        }
        out.flush();
        return 0;
    }
}
