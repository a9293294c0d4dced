package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.local.LocalKafka;
import io.sluice.job.local.ResultReader;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.sluice.cluster.SessionClusterConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The job jar for {@code flink run} (job/target/sluice-job.jar, built by the job module's package phase)
 * submitted the way {@code flink run} submits it, to a MiniCluster in another JVM whose class path has
 * Flink but no Sluice, Avro or Kafka classes: the jar must bring everything the job needs but Flink.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JobJarSubmissionTest {

    /** Class-path entries a Flink cluster does not have (the jar brings them). */
    private static final List<String> NOT_ON_A_CLUSTER = List.of("/io/sluice/", "/schemas/target/",
            "/gpu-runtime/target/", "/operators/target/", "/job/target/", "/org/apache/avro/", "/flink-avro/",
            "/flink-connector-kafka/", "/flink-connector-base/", "/org/apache/kafka/", "/com/fasterxml/jackson/",
            "/org/scala-lang/", "/info/picocli/");

    @Test
    void theJobJarRunsOnAClusterThatOnlyHasFlink() throws Exception {
        Path jar = Path.of(System.getProperty("sluice.job.jar", "../../job/target/sluice-job.jar"));
        assertTrue(Files.isRegularFile(jar), "no job jar at " + jar.toAbsolutePath()
                + ": build it first (mvn -pl job -am package)");
        try (LocalKafka kafka = LocalKafka.start()) {
            String topic = "jar-prompts";
            kafka.createTopics(Map.of(topic, 1, "jar-completions", 1, "jar-dead-letters", 1));
            List<PromptRequest> requests = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                requests.add(Requests.ids("jar-" + i, i, 8, 0.8f));
            }
            produce(kafka, topic, requests);

            String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(entry -> NOT_ON_A_CLUSTER.stream().noneMatch(entry.replace('\\', '/')::contains))
                    .collect(Collectors.joining(File.pathSeparator));
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(SessionClusterConfig.FLINK_JAVA17_OPTIONS);
            // Sluice's own JVM option (conf/flink/config.yaml: env.java.opts.all).
            command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xmx1g"));
            command.addAll(List.of("-cp", classPath, FlinkRunLauncher.class.getName(),
                    jar.toAbsolutePath().toString(),
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
            Path log = Files.createTempFile("flink-run", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            boolean done = process.waitFor(3, TimeUnit.MINUTES);
            if (!done) {
                process.destroyForcibly();
            }
            String output = Files.readString(log);
            assertTrue(done, "flink run did not end:\n" + tail(output));
            assertEquals(0, process.exitValue(), "flink run failed:\n" + tail(output));
            assertTrue(output.contains("launcher: job finished"), tail(output));

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

    private static String tail(String output) {
        return output.length() <= 6000 ? output : output.substring(output.length() - 6000);
    }
}
