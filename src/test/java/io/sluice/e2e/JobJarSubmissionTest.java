package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.local.LocalKafka;
import io.sluice.job.local.ResultReader;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The job jar for {@code flink run} (job/target/sluice-job.jar, built by the job module's package phase)
 * submitted the way {@code flink run} submits it, to a MiniCluster in another JVM whose class path has
 * Flink but no Sluice, Avro or Kafka classes ({@link FlinkRun}): the jar must bring everything the job needs
 * but Flink.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JobJarSubmissionTest {

    @Test
    void theJobJarRunsOnAClusterThatOnlyHasFlink() throws Exception {
        try (LocalKafka kafka = LocalKafka.start()) {
            String topic = "jar-prompts";
            kafka.createTopics(Map.of(topic, 1, "jar-completions", 1, "jar-dead-letters", 1));
            List<PromptRequest> requests = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                requests.add(Requests.ids("jar-" + i, i, 8, 0.8f));
            }
            produce(kafka, topic, requests);

            FlinkRun.Result run = FlinkRun.run(180, List.of(
                    "--config", TestPaths.root().resolve("conf/job.yaml").toString(),
                    "--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                    "--set", "kafka.input-topic=" + topic,
                    "--set", "kafka.output-topic=jar-completions",
                    "--set", "kafka.dead-letter-topic=jar-dead-letters",
                    "--set", "kafka.group-id=jar",
                    "--set", "kafka.transactional-id-prefix=jar",
                    "--set", "kafka.stop-at-latest=true",
                    "--set", "checkpoint-interval-ms=300",
                    "--set", "model.path=" + TestPaths.shakespeare()));
            assertTrue(run.ended(), "flink run did not end:\n" + run.tail());
            assertEquals(0, run.status(), "flink run failed:\n" + run.tail());
            assertTrue(run.output().contains("launcher: job finished"), run.tail());

            List<String> answered = new ArrayList<>();
            try (ResultReader reader = new ResultReader(kafka.bootstrapServers(), "jar-completions",
                    "jar-dead-letters")) {
                long deadline = System.currentTimeMillis() + 30_000;
                while (answered.size() < requests.size() && System.currentTimeMillis() < deadline) {
                    reader.poll(Duration.ofMillis(200)).forEach(r -> answered.add(r.isCompletion()
                            ? r.completion().getRequestId() : "dead letter " + r.deadLetter().getErrorCode()));
                }
            }
            assertEquals(List.of("jar-0", "jar-1", "jar-2", "jar-3", "jar-4"), answered.stream().sorted().toList());
        }
    }

    private static void produce(LocalKafka kafka, String topic, List<PromptRequest> requests) {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            requests.forEach(r -> producer.send(new ProducerRecord<>(topic, AvroCodec.PROMPT_REQUEST.encode(r))));
        }
    }
}
