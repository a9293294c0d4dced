package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * run, demo, pipeline-bench, produce and consume refuse what cannot work at once, in one line, before a
 * broker or a job starts (no Kafka needed here; the end-to-end module runs them against a broker).
 */
class JobCliTest {
    private static final Path CONF = Path.of("../conf/job.yaml");
    private static final Path MODEL = ModelToolsCliTest.SHAKESPEARE;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    @TempDir
    Path dir;

    @BeforeEach
    void home() {
        // What the launcher passes: where models/ and conf/ are.
        System.setProperty("sluice.home", Path.of("..").toAbsolutePath().normalize().toString());
    }

    @AfterEach
    void noHome() {
        System.clearProperty("sluice.home");
    }

    private String oneErrorLine(int expectedStatus, String... args) {
        long start = System.nanoTime();
        assertEquals(expectedStatus, cli.run(args), cli.stdout() + cli.stderr());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 30, "took " + seconds + " s");
        String err = cli.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("sluice: "), err);
        return err.substring("sluice: ".length());
    }

    private Path brokenModel() throws Exception {
        byte[] model = Files.readAllBytes(MODEL);
        Path broken = dir.resolve("broken.gguf");
        Files.write(broken, Arrays.copyOf(model, model.length / 3));
        return broken;
    }

    @Test
    void dryRunPrintsTheEffectiveConfigurationWithSecretsMasked() {
        assertEquals(0, cli.run("run", "--config", CONF.toString(), "--dry-run", "--set", "model.path=" + MODEL,
                "--set", "kafka.format=avro-confluent", "--set", "kafka.output-format=json",
                "--set", "schema-registry.url=https://registry:8081", "--set", "schema-registry.username=svc",
                "--set", "schema-registry.password=hunter2",
                "--set", "kafka.properties.sasl.jaas.config=secret-jaas"), cli.stderr());
        String yaml = cli.stdout();
        assertTrue(yaml.contains("format: \"avro-confluent\"") || yaml.contains("format: avro-confluent"), yaml);
        assertTrue(yaml.contains("output-format: \"json\"") || yaml.contains("output-format: json"), yaml);
        assertTrue(yaml.contains("registry:8081"), yaml);
        assertTrue(yaml.contains("max-sequences: 32"), yaml);
        assertFalse(yaml.contains("hunter2"), yaml);
        assertFalse(yaml.contains("secret-jaas"), yaml);
        assertTrue(cli.stderr().contains("dry run"), cli.stderr());
    }

    @Test
    void dryRunRefusesAnInvalidConfigurationInOneLine() {
        assertEquals("kafka.format must be avro, json, avro-confluent, got xml",
                oneErrorLine(2, "run", "--config", CONF.toString(), "--dry-run", "--set", "kafka.format=xml"));
        assertEquals("'model' is a section, not a value: set its keys (model.name, model.path, model.max-sequences, "
                        + "model.max-batch-tokens, model.kv-block-size, model.kv-cache-bytes, model.kv-cache-fraction, "
                        + "model.kv-8bit, model.kv-type, model.prefix-caching, model.draft-path, model.device, "
                        + "model.devices)",
                oneErrorLine(2, "run", "--config", CONF.toString(), "--dry-run", "--set", "model=3"));
    }

    @Test
    void runRefusesABrokenModelBeforeTheJobStarts() throws Exception {
        String error = oneErrorLine(2, "run", "--config", CONF.toString(), "--set", "model.path=" + brokenModel());
        assertTrue(error.startsWith("model.path " + dir.resolve("broken.gguf") + " cannot be loaded: "), error);
        error = oneErrorLine(2, "run", "--config", CONF.toString(), "--set", "model.path=" + dir);
        assertEquals("model.path " + dir + " is a directory, not a GGUF file", error);
    }

    @Test
    void runRefusesAKvBudgetThatHoldsNoSequence() {
        String error = oneErrorLine(2, "run", "--config", CONF.toString(), "--set", "model.path=" + MODEL,
                "--set", "model.kv-cache-bytes=1");
        assertTrue(error.startsWith("model.kv-cache-bytes (1) does not hold one sequence of shakespeare.gguf: its "
                + "context of "), error);
    }

    @Test
    void runRefusesBadPathsAndAddresses() throws Exception {
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, "{\"request_id\": \"a\", \"prompt\": \"x\"}\n");
        Path file = dir.resolve("taken.txt");
        Files.writeString(file, "not a directory");
        assertEquals("bulk.output " + file.toAbsolutePath() + " is a file; it must be a directory (existing or not)",
                oneErrorLine(2, "run", "--bulk-input", input.toString(), "--bulk-output", file.toString(),
                        "--set", "model.path=" + MODEL));
        assertEquals("bulk.input prompts.jsonl: no such file or directory", oneErrorLine(2, "run", "--config",
                CONF.toString(), "--set", "mode=bulk", "--set", "bulk.output=" + dir.resolve("out"),
                "--set", "model.path=" + MODEL));
        assertEquals("kafka.bootstrap-servers: 'nohost' is not host:port (e.g. broker:9092)",
                oneErrorLine(2, "run", "--config", CONF.toString(), "--set", "kafka.bootstrap-servers=nohost"));
    }

    @Test
    void demoReportsABrokenModelAtOnce() throws Exception {
        String error = oneErrorLine(2, "demo", "--model", brokenModel().toString());
        assertTrue(error.startsWith("model.path "), error);
        assertFalse(cli.stdout().contains("Formatting"), cli.stdout());
        oneErrorLine(2, "demo", "--timeout", "-1");
    }

    @Test
    void pipelineBenchRefusesAnUnknownDeliveryBeforeAnyBrokerStarts() {
        assertEquals("--delivery must be exactly-once, at-least-once or none, got maybe",
                oneErrorLine(2, "pipeline-bench", "--delivery", "maybe"));
        assertEquals("", cli.stdout());
    }

    @Test
    void produceAndConsumeNameAnUnreachableBrokerWithinSeconds() throws Exception {
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, "{\"request_id\": \"a\", \"prompt\": \"x\"}\n");
        assertEquals("cannot reach Kafka at 127.0.0.1:1 (no answer within 10 s)",
                oneErrorLine(2, "produce", "--bootstrap-servers", "127.0.0.1:1", "--topic", "t", input.toString()));
        assertEquals("--bootstrap-servers is missing (or give --config with kafka.bootstrap-servers)",
                oneErrorLine(2, "consume", "--topic", "t"));
        assertEquals("--format avro-confluent needs --schema-registry URL",
                oneErrorLine(2, "consume", "--bootstrap-servers", "b:1", "--format", "avro-confluent"));
        assertEquals("no such file: " + dir.resolve("none.jsonl"),
                oneErrorLine(2, "produce", "--bootstrap-servers", "b:1", dir.resolve("none.jsonl").toString()));
    }

    @Test
    void aFailedJobIsReportedByItsRootCauseNotFlinksWrapper() {
        Exception flink = new org.apache.flink.runtime.client.JobExecutionException(null, "Job execution failed.",
                new org.apache.flink.runtime.execution.SuppressRestartsException(
                        new IllegalArgumentException("a KV budget of 1 bytes holds no block of 4096 bytes")));
        assertEquals("the job failed: a KV budget of 1 bytes holds no block of 4096 bytes",
                JobFailures.of(flink).getMessage());
    }
}
