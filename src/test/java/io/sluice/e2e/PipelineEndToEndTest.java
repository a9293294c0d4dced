package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.Timings;
import io.sluice.schemas.Usage;
import io.sluice.schemas.Worker;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.JobConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Kafka job on a real broker and MiniCluster with the bundled model: answers, dead letters, metrics. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PipelineEndToEndTest extends E2eClusterTest {


    private static JobID runToEnd(JobConfig config, io.sluice.operators.inference.EngineProvider provider)
            throws Exception {
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, provider);
        JobClient job = env.executeAsync("e2e");
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        return job.getJobID();
    }

    @Test
    void everyRequestGetsExactlyOneCompletionWithItsIdAndAttributes() throws Exception {
        JobConfig config = cluster.config("answers");
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            requests.add(Requests.ids("ids-" + i, i, 12, i % 2 == 0 ? 0f : 0.8f));
        }
        requests.add(Requests.text("text-romeo", "ROMEO:", 12));
        requests.add(Requests.text("text-juliet", "JULIET:\nO Romeo", 12));
        cluster.produceRequests(config.kafka().inputTopic(), requests);

        JobID job = runToEnd(config, new SharedEngineProvider(config.engineSettings()));

        List<Completion> completions = cluster.completions(config);
        Map<String, Completion> byId = completions.stream()
                .collect(Collectors.toMap(Completion::getRequestId, Function.identity(), (a, b) -> {
                    throw new AssertionError("two completions for " + a.getRequestId());
                }, TreeMap::new));
        assertEquals(requests.stream().map(PromptRequest::getRequestId).sorted().toList(), List.copyOf(byId.keySet()));
        for (PromptRequest r : requests) {
            Completion c = byId.get(r.getRequestId());
            assertEquals(r.getAttributes(), c.getAttributes(), r.getRequestId());
            assertEquals("shakespeare", c.getModel());
            assertTrue(c.getUsage().getCompletionTokens() >= 1 && c.getUsage().getCompletionTokens() <= 12);
            assertEquals(c.getUsage().getCompletionTokens(), c.getTokenIds().size());
            assertTrue(c.getFinishReason().equals("stop") || c.getFinishReason().equals("length"));
            assertTrue(c.getWorker().getDevice().startsWith("cpu"), c.getWorker().getDevice());
            assertEquals(r.getCreatedAt(), c.getRequestCreatedAt());
            assertTrue(c.getTimings().getTotalMs() > 0);
        }
        assertEquals(6, byId.get("ids-0").getUsage().getPromptTokens());
        assertFalse(byId.get("text-romeo").getText().isEmpty());
        assertEquals(List.of(), cluster.deadLetters(config));

        // The metrics the operators registered reached the reporter.
        assertEquals(12L, counter(job, "sluice.completions"));
        assertTrue(counter(job, "sluice.completionTokens") >= 12);
        assertTrue(cluster.metrics.findMetric(job, "sluice.tokensPerSecond").isPresent());
        assertTrue(cluster.metrics.findMetric(job, "sluice.kvCacheUsage").isPresent());
        assertTrue(cluster.metrics.findMetric(job, "sluice.backendGpu").isPresent());
        Histogram batchSize = (Histogram) cluster.metrics.findMetric(job, "sluice.batchSize").orElseThrow();
        assertTrue(batchSize.getStatistics().getMax() <= 4, "micro-batch max-requests is 4");
        assertTrue(((Histogram) cluster.metrics.findMetric(job, "sluice.ttftMs").orElseThrow()).getCount() >= 12);
    }

    @Test
    void badRecordsOfEveryKindEndInTheDeadLetterTopicWithTheirReason() throws Exception {
        JobConfig config = cluster.config("dead-letters");
        Map<String, String> expected = new TreeMap<>();
        List<byte[]> records = new ArrayList<>();
        records.add("definitely not avro".getBytes(StandardCharsets.UTF_8));
        records.add(AvroCodec.COMPLETION.encode(Completion.newBuilder().setRequestId("c").setModel("m").setText("")
                .setTokenIds(List.of()).setFinishReason("stop").setUsage(new Usage(1, 0, 0))
                .setTimings(new Timings(0.0, 0.0, 0.0, 0.0, 0.0)).setWorker(new Worker("h", 0, "cpu")).build()));
        bad(records, expected, "empty", "EMPTY_PROMPT", r -> r.setPromptIds(List.of()));
        bad(records, expected, "empty-text", "EMPTY_PROMPT", r -> {
            r.setPromptIds(null);
            r.setPrompt("");
        });
        bad(records, expected, "too-long", "PROMPT_TOO_LONG", r -> r.setPromptIds(Requests.promptIds(1, 300)));
        bad(records, expected, "nan", "INVALID_PARAMETERS", r -> r.getSampling().setTemperature(Float.NaN));
        bad(records, expected, "negative-temperature", "INVALID_PARAMETERS",
                r -> r.getSampling().setTemperature(-0.5f));
        bad(records, expected, "zero-max-tokens", "INVALID_PARAMETERS", r -> r.getSampling().setMaxTokens(0));
        bad(records, expected, "huge-max-tokens", "INVALID_PARAMETERS", r -> r.getSampling().setMaxTokens(1 << 24));
        bad(records, expected, "top-p-zero", "INVALID_PARAMETERS", r -> r.getSampling().setTopP(0f));
        bad(records, expected, "top-p-big", "INVALID_PARAMETERS", r -> r.getSampling().setTopP(1.01f));
        bad(records, expected, "unknown-model", "UNKNOWN_MODEL", r -> r.setModel("llama-405b"));
        bad(records, expected, "out-of-vocabulary", "TOKEN_OUT_OF_VOCABULARY", r -> r.setPromptIds(List.of(1, 99999)));
        bad(records, expected, "fail-engine-1", "ENGINE_FAILURE", r -> { });
        for (int i = 0; i < 3; i++) {
            records.add(AvroCodec.PROMPT_REQUEST.encode(Requests.ids("good-" + i, i, 6, 0f)));
        }
        cluster.produce(config.kafka().inputTopic(), records);

        runToEnd(config, new TestEngines.Wrapped(new SharedEngineProvider(config.engineSettings()), "dlq", 0,
                "fail-engine"));

        List<DeadLetter> dead = cluster.deadLetters(config);
        Map<String, String> reasons = new TreeMap<>();
        for (DeadLetter d : dead) {
            if (d.getRequestId() != null) {
                assertNull(reasons.put(d.getRequestId(), d.getErrorCode()), "one dead letter per request");
            }
            assertFalse(d.getErrorMessage().isBlank());
            assertEquals(config.kafka().inputTopic(), d.getTopic());
        }
        assertEquals(expected, reasons);
        List<String> anonymous = dead.stream().filter(d -> d.getRequestId() == null).map(DeadLetter::getErrorCode)
                .sorted().toList();
        assertEquals(List.of("UNDECODABLE", "WRONG_SCHEMA"), anonymous);
        DeadLetter undecodable = dead.stream().filter(d -> d.getErrorCode().equals("UNDECODABLE")).findFirst()
                .orElseThrow();
        assertEquals("definitely not avro", StandardCharsets.UTF_8.decode(undecodable.getOriginal()).toString());
        assertEquals(records.size(), dead.size() + 3);
        assertEquals(List.of("good-0", "good-1", "good-2"),
                cluster.completions(config).stream().map(Completion::getRequestId).sorted().toList());
    }

    @Test
    void theBulkJobAnswersJsonLinesFromFilesInBatchMode(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("prompts.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"request_id\": \"b1\", \"prompt\": \"ROMEO:\", \"sampling\": {\"max_tokens\": 8}}",
                "{\"request_id\": \"b2\", \"prompt_ids\": [1, 957], \"sampling\": {\"max_tokens\": 8, \"temperature\": 0}}",
                "",
                "{\"request_id\": \"b3\", \"prompt\": \"JULIET:\", \"attributes\": {\"row\": \"4\"}, \"sampling\": {\"max_tokens\": 8}}",
                "{\"request_id\": \"b4\", \"prompt\": \"no closing brace\"",
                "{\"request_id\": \"b5\", \"prompt\": \"ROMEO:\", \"sampling\": {\"max_tokens\": 0}}",
                "{\"request_id\": \"b6\", \"prompt\": \"HAMLET:\", \"sampling\": {\"max_tokens\": 8}}") + "\n");
        Path output = dir.resolve("out");
        JobConfig config = JobConfigLoader.load(null, List.of("mode=bulk", "bulk.input=" + input,
                "bulk.output=" + output, "model.path=" + TestPaths.shakespeare(), "micro-batch.max-requests=2"));
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.bulk(env, config, new SharedEngineProvider(config.engineSettings()));
        env.execute("bulk-e2e");

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> completions = jsonLines(output.resolve("completions"), json);
        assertEquals(List.of("b1", "b2", "b3", "b6"),
                completions.stream().map(c -> c.get("request_id").asText()).sorted().toList());
        JsonNode b3 = completions.stream().filter(c -> c.get("request_id").asText().equals("b3")).findFirst()
                .orElseThrow();
        assertEquals("4", b3.at("/attributes/row").asText());
        assertTrue(b3.get("token_ids").size() >= 1);
        List<JsonNode> dead = jsonLines(output.resolve("dead-letters"), json);
        Map<Long, String> byLine = new TreeMap<>();
        dead.forEach(d -> byLine.put(d.get("offset").asLong(), d.get("error_code").asText()));
        assertEquals(Map.of(5L, "UNDECODABLE", 6L, "INVALID_PARAMETERS"), byLine, "dead letters by line number");
        assertEquals(input.toString(), dead.get(0).get("topic").asText());
    }

    private static List<JsonNode> jsonLines(Path dir, ObjectMapper json) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().endsWith(".jsonl"))
                    .toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        nodes.add(json.readTree(line));
                    }
                }
            }
        }
        return nodes;
    }

    private static void bad(List<byte[]> records, Map<String, String> expected, String id, String reason,
                            java.util.function.Consumer<PromptRequest> change) {
        PromptRequest r = Requests.ids(id, 3, 6, 0.5f);
        change.accept(r);
        records.add(AvroCodec.PROMPT_REQUEST.encode(r));
        expected.put(id, reason);
    }

    private static long counter(JobID job, String name) {
        return cluster.metrics.findMetrics(job, name).values().stream().filter(m -> m instanceof Counter)
                .mapToLong(m -> ((Counter) m).getCount()).sum();
    }

}
