package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.local.LocalKafka;
import io.sluice.job.local.ResultReader;
import io.sluice.operators.validate.TopicFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka that requires SASL/SCRAM over TLS: the commands and the job reach it with {@code kafka.properties}
 * alone (produce, run — its checks and the job's source and both sinks —, consume), a wrong password is one
 * line naming authentication within seconds, and no secret reaches the printed configuration or any log line.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SecuredKafkaEndToEndTest {
    private static final String USER = "sluice-job";
    /** Random secrets, so that finding one in the output cannot be a coincidence. */
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static final String STORE_PASSWORD = "store-" + UUID.randomUUID();
    /** A secret among the Flink options the job is configured with. */
    private static final String FLINK_SECRET = "flink-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    private static LocalKafka kafka;
    private static Path config;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        TestTls.Stores stores = TestTls.generate(dir, STORE_PASSWORD);
        kafka = LocalKafka.startSecured(new LocalKafka.Secured(stores.keystore().toString(), STORE_PASSWORD, USER,
                PASSWORD));
        kafka.createTopics(Map.of("secure-prompts", 2, "secure-completions", 2, "secure-dead-letters", 1));
        config = dir.resolve("job.yaml");
        Files.writeString(config, """
                checkpoint-interval-ms: 300
                kafka:
                  bootstrap-servers: %s
                  input-topic: secure-prompts
                  output-topic: secure-completions
                  dead-letter-topic: secure-dead-letters
                  format: json
                  stop-at-latest: true
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-256
                    sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";
                    ssl.truststore.location: %s
                    ssl.truststore.password: %s
                    ssl.truststore.type: PKCS12
                model:
                  path: %s
                  max-sequences: 4
                """.formatted(kafka.securedBootstrapServers(), USER, PASSWORD, stores.truststore(), STORE_PASSWORD,
                TestPaths.shakespeare()));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theJobRunsOverSaslSslAndNoSecretIsPrintedOrLogged(@TempDir Path work) throws Exception {
        Path prompts = work.resolve("prompts.jsonl");
        Files.writeString(prompts, """
                {"request_id": "s-1", "prompt": "ROMEO:", "sampling": {"max_tokens": 4}}
                {"request_id": "s-2", "prompt_ids": [1, 957], "sampling": {"max_tokens": 4}}
                {"request_id": "s-bad", "prompt": "", "sampling": {"max_tokens": 4}}
                """);
        List<String> printed = new ArrayList<>();
        try (LogCapture logs = LogCapture.everythingAtInfo()) {
            Cli produce = Cli.run("produce", "--config", config.toString(), prompts.toString());
            assertEquals(0, produce.status(), produce.err());
            assertEquals("produce: 3 sent, 0 skipped to secure-prompts (json)", produce.out().strip());

            Cli dryRun = Cli.run("run", "--config", config.toString(), "--dry-run", "--set",
                    "flink.s3.secret-key=" + FLINK_SECRET);
            assertEquals(0, dryRun.status(), dryRun.err());
            assertTrue(dryRun.out().contains("sasl.jaas.config: '***'") || dryRun.out().contains("sasl.jaas.config: ***"),
                    dryRun.out());
            assertTrue(dryRun.out().contains("security.protocol: SASL_SSL"), dryRun.out());

            Cli run = Cli.run("run", "--config", config.toString(), "--set", "flink.s3.secret-key=" + FLINK_SECRET);
            assertEquals(0, run.status(), run.err());

            Cli completions = Cli.run("consume", "--config", config.toString(), "--from-beginning", "--max", "2",
                    "--timeout", "20");
            assertEquals(0, completions.status(), completions.err());
            ObjectMapper json = new ObjectMapper();
            List<String> ids = new ArrayList<>();
            for (String line : completions.out().strip().lines().toList()) {
                ids.add(json.readTree(line).get("request_id").asText());
            }
            assertEquals(List.of("s-1", "s-2"), ids.stream().sorted().toList());

            Cli deadLetters = Cli.run("consume", "--config", config.toString(), "--topic", "secure-dead-letters",
                    "--from-beginning", "--max", "1", "--timeout", "20");
            assertEquals(0, deadLetters.status(), deadLetters.err());
            JsonNode dead = json.readTree(deadLetters.out().strip());
            assertEquals("s-bad", dead.get("request_id").asText());
            assertEquals("EMPTY_PROMPT", dead.get("error_code").asText());

            // A downstream reader of the library (the demo's) with the same properties sees the same results.
            Map<String, String> security = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-256",
                    "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                            + USER + "\" password=\"" + PASSWORD + "\";",
                    "ssl.truststore.location", dir.resolve("trust.p12").toString(),
                    "ssl.truststore.password", STORE_PASSWORD, "ssl.truststore.type", "PKCS12");
            List<ResultReader.Result> results = new ArrayList<>();
            try (ResultReader reader = new ResultReader(kafka.securedBootstrapServers(), security,
                    "secure-completions", "secure-dead-letters", TopicFormat.AVRO, null)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (results.size() < 3 && System.nanoTime() < deadline) {
                    results.addAll(reader.poll(java.time.Duration.ofMillis(200)));
                }
            }
            assertEquals(2, results.stream().filter(ResultReader.Result::isCompletion).count());
            assertEquals(1, results.stream().filter(r -> !r.isCompletion()).count());

            for (Cli c : List.of(produce, dryRun, run, completions, deadLetters)) {
                printed.add(c.out());
                printed.add(c.err());
            }
            printed.addAll(logs.lines());
            assertTrue(logs.lines().stream().anyMatch(l -> l.contains("the effective configuration (secrets masked)")),
                    "the job logs its configuration");
            assertTrue(logs.lines().size() > 100, "INFO logs of Kafka and Flink were captured: " + logs.lines().size());
        }
        for (String text : printed) {
            assertFalse(text.contains(PASSWORD), "the SCRAM password was printed or logged:\n" + excerpt(text, PASSWORD));
            assertFalse(text.contains(STORE_PASSWORD), "a store password was printed or logged:\n"
                    + excerpt(text, STORE_PASSWORD));
            assertFalse(text.contains(FLINK_SECRET), "a Flink secret was printed or logged:\n"
                    + excerpt(text, FLINK_SECRET));
        }
    }

    @Test
    void aWrongPasswordIsOneLineNamingAuthenticationWithinSeconds() {
        String wrong = "wrong-" + UUID.randomUUID();
        long start = System.nanoTime();
        Cli run = Cli.run("run", "--config", config.toString(), "--set",
                "kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"" + USER + "\" password=\"" + wrong + "\";");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertEquals(2, run.status(), run.err());
        List<String> lines = run.err().strip().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("sluice: Kafka at " + kafka.securedBootstrapServers()
                + ": authentication failed (SASL_SSL, SASL mechanism SCRAM-SHA-256)"), lines.get(0));
        assertFalse(run.err().contains(wrong), run.err());
        assertTrue(seconds < 20, "took " + seconds + " s");
    }

    /**
     * {@code flink run sluice-job.jar} with a wrong password: the job's main asks the brokers before it builds the
     * graph, so the submission ends within seconds with the one line of {@code run}, and no job restarts by its
     * restart strategy while the brokers refuse it (which would outlast the time given here).
     */
    @Test
    void flinkRunWithAWrongPasswordEndsAtOnceWithOneLine() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        long start = System.nanoTime();
        FlinkRun.Result run = FlinkRun.run(90, List.of("--config", config.toString(), "--set",
                "kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"" + USER + "\" password=\"" + wrong + "\";"));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(run.ended(), "flink run did not end (the job was submitted and restarts?):\n" + run.tail());
        assertTrue(run.status() != 0, run.tail());
        String line = "sluice: Kafka at " + kafka.securedBootstrapServers()
                + ": authentication failed (SASL_SSL, SASL mechanism SCRAM-SHA-256)";
        assertTrue(run.output().lines().anyMatch(l -> l.startsWith(line)), run.tail());
        assertFalse(run.output().contains("launcher: job finished"), run.tail());
        assertFalse(run.output().contains(wrong), run.tail());
        assertTrue(seconds < 60, "took " + seconds + " s");
    }

    @Test
    void aMissingTrustStoreIsNamedBeforeAnythingConnects() {
        Cli run = Cli.run("run", "--config", config.toString(), "--dry-run", "--set",
                "kafka.properties.ssl.truststore.location=" + dir.resolve("no-such.p12"));
        assertEquals(2, run.status(), run.err());
        assertEquals("sluice: kafka.properties.ssl.truststore.location " + dir.resolve("no-such.p12")
                + ": no such file", run.err().strip());
    }

    private static String excerpt(String text, String secret) {
        int at = text.indexOf(secret);
        return text.substring(Math.max(0, at - 300), Math.min(text.length(), at + secret.length() + 50));
    }
}
