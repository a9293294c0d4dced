package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.operators.validate.ConfluentFraming;
import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.SchemaRegistryClient;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real broker in each topic format: JSON in and out, Schema Registry Avro in and out (with a
 * producer still on PromptRequest v1), Avro in and JSON out through the produce and consume tools; records
 * in the wrong format are dead letters whose reason names the format the topic expects.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FormatsEndToEndTest extends E2eClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestSchemaRegistry registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = new TestSchemaRegistry(null, null);
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    private static void runToEnd(JobConfig config) throws Exception {
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new SharedEngineProvider(config.engineSettings()));
        env.executeAsync("formats-e2e").getJobExecutionResult().get(3, TimeUnit.MINUTES);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<JsonNode> jsonValues(String topic) throws Exception {
        List<JsonNode> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : cluster.readCommitted(topic)) {
            values.add(JSON.readTree(r.value()));
        }
        return values;
    }

    @Test
    void jsonTopicsServeJsonAndDeadLetterRecordsOfOtherFormats() throws Exception {
        JobConfig config = cluster.config("json", "kafka.format=json", "kafka.output-format=json");
        byte[] avro = AvroCodec.PROMPT_REQUEST.encode(Requests.ids("avro-1", 1, 4, 0f));
        cluster.produce(config.kafka().inputTopic(), List.of(
                utf8("{\"request_id\": \"j1\", \"prompt_ids\": [1, 20, 30], \"sampling\": {\"max_tokens\": 6, "
                        + "\"temperature\": 0}, \"attributes\": {\"team\": \"py\"}}"),
                utf8("{\"request_id\": \"j2\", \"prompt\": \"ROMEO:\", \"sampling\": {\"max_tokens\": 6}}"),
                utf8("{\"request_id\": \"empty\", \"prompt\": \"\"}"),
                avro,
                ConfluentFraming.frame(3, new byte[] {2, 'x'})));

        runToEnd(config);

        List<JsonNode> completions = jsonValues(config.kafka().outputTopic());
        assertEquals(List.of("j1", "j2"), completions.stream().map(c -> c.get("request_id").asText()).sorted().toList());
        JsonNode j1 = completions.stream().filter(c -> c.get("request_id").asText().equals("j1")).findFirst()
                .orElseThrow();
        assertEquals("py", j1.at("/attributes/team").asText());
        assertTrue(j1.get("token_ids").size() >= 1 && j1.get("token_ids").size() <= 6, j1.toString());
        Map<String, JsonNode> dead = new TreeMap<>();
        for (JsonNode d : jsonValues(config.kafka().deadLetterTopic())) {
            dead.put(d.get("request_id").isNull() ? d.get("error_message").asText() : d.get("request_id").asText(), d);
        }
        assertEquals(3, dead.size(), dead.toString());
        assertEquals("EMPTY_PROMPT", dead.get("empty").get("error_code").asText());
        JsonNode avroDead = dead.values().stream()
                .filter(d -> d.get("error_message").asText().contains("Avro single-object")).findFirst().orElseThrow();
        assertEquals("UNDECODABLE", avroDead.get("error_code").asText());
        assertTrue(avroDead.get("error_message").asText().startsWith("expected a JSON object (format json)"),
                avroDead.toString());
        assertEquals(Base64.getEncoder().encodeToString(avro), avroDead.get("original_base64").asText());
        assertTrue(dead.values().stream().anyMatch(d -> d.get("error_message").asText()
                .contains("(format avro-confluent)")), dead.toString());
    }

    @Test
    void registryTopicsResolveAnOlderWriterSchemaAndRegisterTheirOwn() throws Exception {
        JobConfig config = cluster.config("registry", "kafka.format=avro-confluent",
                "kafka.output-format=avro-confluent", "schema-registry.url=" + registry.url());
        String subject = config.kafka().inputTopic() + "-value";
        Schema v1 = SchemaRegistryFormatTest.promptRequestV1();
        int v1Id = registry.register(subject, v1);
        int currentId = registry.register(subject, PromptRequest.getClassSchema());
        PromptRequest current = Requests.ids("v2-1", 2, 5, 0f);
        cluster.produce(config.kafka().inputTopic(), List.of(
                SchemaRegistryFormatTest.v1Record(v1Id, v1, "v1-1", "ROMEO:", 5),
                ConfluentFraming.frame(currentId, AvroCodec.PROMPT_REQUEST.encodeDatum(current)),
                utf8("{\"request_id\": \"json-1\", \"prompt\": \"ROMEO:\"}"),
                ConfluentFraming.frame(4242, new byte[] {2, 'x'})));

        runToEnd(config);

        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of(registry.url()));
        assertEquals(Completion.getClassSchema(), registry.latest(config.kafka().outputTopic() + "-value"));
        assertEquals(DeadLetter.getClassSchema(), registry.latest(config.kafka().deadLetterTopic() + "-value"));
        List<Completion> completions = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : cluster.readCommitted(config.kafka().outputTopic())) {
            completions.add(AvroCodec.COMPLETION.decodeDatum(client.schemaById(ConfluentFraming.schemaId(r.value())),
                    r.value(), ConfluentFraming.HEADER_LENGTH));
        }
        assertEquals(List.of("v1-1", "v2-1"), completions.stream().map(Completion::getRequestId).sorted().toList());
        assertEquals(Map.of("producer", "v1"), completions.stream().filter(c -> c.getRequestId().equals("v1-1"))
                .findFirst().orElseThrow().getAttributes());
        Map<String, String> reasons = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : cluster.readCommitted(config.kafka().deadLetterTopic())) {
            DeadLetter d = AvroCodec.DEAD_LETTER.decodeDatum(client.schemaById(ConfluentFraming.schemaId(r.value())),
                    r.value(), ConfluentFraming.HEADER_LENGTH);
            reasons.put(d.getErrorCode(), d.getErrorMessage());
        }
        assertEquals(List.of("UNDECODABLE", "WRONG_SCHEMA"), List.copyOf(reasons.keySet()));
        assertTrue(reasons.get("UNDECODABLE").startsWith("expected Avro in Schema Registry framing "
                + "(format avro-confluent)"), reasons.toString());
        assertTrue(reasons.get("UNDECODABLE").endsWith("it looks like JSON (format json)"), reasons.toString());
        assertTrue(reasons.get("WRONG_SCHEMA").contains("Schema 4242 not found"), reasons.toString());
    }

    @Test
    void produceJobConsumeRoundTrip(@TempDir Path dir) throws Exception {
        JobConfig config = cluster.config("tools", "kafka.output-format=json");
        Path input = dir.resolve("prompts.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"request_id\": \"t1\", \"prompt\": \"ROMEO:\", \"sampling\": {\"max_tokens\": 5}}",
                "not json at all",
                "",
                "{\"request_id\": \"t2\", \"prompt_ids\": [1, 20, 30], \"sampling\": {\"max_tokens\": 5}}",
                "{\"request_id\": \"t3\", \"prompt\": \"\"}") + "\n");
        String bootstrap = cluster.kafka.bootstrapServers();

        Cli produce = Cli.run("produce", "--bootstrap-servers", bootstrap, "--topic", config.kafka().inputTopic(),
                input.toString());
        assertEquals(2, produce.status(), produce.err());
        assertEquals("produce: 3 sent, 1 skipped to " + config.kafka().inputTopic() + " (avro)", produce.out().strip());
        assertTrue(produce.err().startsWith("produce: line 2: not JSON: "), produce.err());

        runToEnd(config);

        Cli completions = Cli.run("consume", "--bootstrap-servers", bootstrap, "--topic",
                config.kafka().outputTopic(), "--format", "json", "--from-beginning", "--max", "2");
        assertEquals(0, completions.status(), completions.err());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : completions.out().strip().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertEquals(List.of("t1", "t2"), lines.stream().map(l -> l.get("request_id").asText()).sorted().toList());
        assertTrue(lines.stream().allMatch(l -> l.get("token_ids").size() >= 1));
        Cli dead = Cli.run("consume", "--bootstrap-servers", bootstrap, "--topic", config.kafka().deadLetterTopic(),
                "--format", "json", "--from-beginning", "--max", "1");
        assertEquals(0, dead.status(), dead.err());
        JsonNode letter = JSON.readTree(dead.out().strip());
        assertEquals("t3", letter.get("request_id").asText());
        assertEquals("EMPTY_PROMPT", letter.get("error_code").asText());
        // The avro reading of a JSON topic says what it found instead of printing garbage.
        Cli wrongFormat = Cli.run("consume", "--bootstrap-servers", bootstrap, "--topic",
                config.kafka().deadLetterTopic(), "--from-beginning", "--timeout", "2");
        assertEquals(0, wrongFormat.status(), wrongFormat.err());
        assertTrue(wrongFormat.err().contains("expected Avro single-object encoding (format avro); it looks like JSON"),
                wrongFormat.err());
    }
}
