package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.tokenizer.ChatMessage;
import io.sluice.engine.EngineConfig;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.LlamaEngine;
import io.sluice.sampling.SamplingParams;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.gguf.GgufWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ML_PREDICT over the sluice model provider on a MiniCluster, with the bundled models. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SqlPredictEndToEndTest extends E2eClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static StreamTableEnvironment tableEnv(int parallelism) {
        return StreamTableEnvironment.create(new TestStreamEnvironment(cluster.flink, parallelism));
    }

    private static String model(String name, Path path, String input, String output, String options) {
        return "CREATE TEMPORARY MODEL " + name + " INPUT (" + input + ") OUTPUT (" + output + ") WITH ("
                + "'provider' = 'sluice', 'model.path' = '" + path + "', 'max-sequences' = '8'"
                + (options.isEmpty() ? "" : ", " + options) + ")";
    }

    /** Every row of the query's result, and the job that computed it. */
    private record Result(List<Row> rows, JobID job) {
    }

    private static Result collect(StreamTableEnvironment env, String query) throws Exception {
        TableResult result = env.executeSql(query);
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            it.forEachRemaining(rows::add);
        }
        return new Result(rows, result.getJobClient().orElseThrow().getJobID());
    }

    /** What the engine alone generates, greedily, for these requests. */
    private static Map<String, String> engineTexts(Path model, int maxTokens, Map<String, GenerationRequest.Builder> requests) {
        Map<String, String> texts = new HashMap<>();
        try (LlamaEngine engine = LlamaEngine.open(EngineConfig.builder(model).maxSequences(4).build())) {
            requests.forEach((key, request) -> texts.put(key, engine.submit(request.sampling(SamplingParams.GREEDY)
                    .maxTokens(maxTokens).build()).join().text()));
        }
        return texts;
    }

    private long counter(JobID job, String name) {
        return cluster.metrics.findMetrics(job, name).values().stream().filter(m -> m instanceof Counter)
                .mapToLong(m -> ((Counter) m).getCount()).sum();
    }

    @Test
    void everyRowOfABoundedTableIsAnsweredOnceWithTheEnginesGreedyText() throws Exception {
        StreamTableEnvironment env = tableEnv(2);
        env.executeSql(model("bard", TestPaths.shakespeare(), "prompt STRING",
                "completion STRING, finish_reason STRING, prompt_tokens INT, completion_tokens BIGINT, ttft_ms DOUBLE",
                "'temperature' = '0', 'max-tokens' = '12'"));
        List<String> prompts = List.of("ROMEO:", "JULIET:\nO Romeo", "KING HENRY:", "First Citizen:\nBefore we",
                "ROMEO:", "HAMLET:\nTo be", "MENENIUS:", "LADY MACBETH:\nOut");
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < prompts.size(); i++) {
            values.append(i == 0 ? "" : ", ").append("(").append(i).append(", '")
                    .append(prompts.get(i).replace("\n", "' || CHR(10) || '")).append("')");
        }
        env.executeSql("CREATE TEMPORARY VIEW prompts AS SELECT * FROM (VALUES " + values + ") AS t(id, prompt)");

        Result result = collect(env, "SELECT id, prompt, completion, finish_reason, prompt_tokens, completion_tokens, "
                + "ttft_ms FROM ML_PREDICT(TABLE prompts, MODEL bard, DESCRIPTOR(prompt))");

        Map<String, GenerationRequest.Builder> requests = new HashMap<>();
        for (String p : prompts) {
            requests.put(p, GenerationRequest.builder(p).prompt(p));
        }
        Map<String, String> expected = engineTexts(TestPaths.shakespeare(), 12, requests);
        assertEquals(prompts.size(), result.rows().size(), "one row out per row in");
        assertEquals(prompts.size(), result.rows().stream().map(r -> r.getField("id")).distinct().count());
        for (Row row : result.rows()) {
            String prompt = prompts.get((Integer) row.getField("id"));
            assertEquals(prompt, row.getField("prompt"));
            assertEquals(expected.get(prompt), row.getField("completion"), prompt);
            assertTrue(List.of("stop", "length").contains((String) row.getField("finish_reason")));
            assertTrue((Integer) row.getField("prompt_tokens") >= 2);
            long tokens = (Long) row.getField("completion_tokens");
            assertTrue(tokens >= 1 && tokens <= 12, "completion tokens " + tokens);
            assertTrue((Double) row.getField("ttft_ms") > 0);
        }
        assertEquals(prompts.size(), counter(result.job(), "sluice.rows"));
        assertEquals(0, counter(result.job(), "sluice.failedRows"));
    }

    /** The bundled model with a Llama 2 chat template added to its metadata (it has none of its own). */
    private static Path chatModel(Path dir) throws Exception {
        Path model = dir.resolve("shakespeare-chat.gguf");
        String template = Files.readString(TestPaths.root().resolve(
                "gpu-runtime/src/test/resources/tokenizer/chat-templates/llama-2-chat.jinja"));
        try (GgufFile source = GgufFile.open(TestPaths.shakespeare())) {
            GgufWriter writer = new GgufWriter().putAll(source.metadata()).putString("tokenizer.chat_template", template);
            for (GgufTensorInfo t : source.tensors()) {
                writer.addTensor(t.name(), t.type(), t.shape(), source.data(t));
            }
            writer.write(model);
        }
        return model;
    }

    @Test
    void chatMessagesAreRenderedWithTheModelsTemplate(@TempDir Path dir) throws Exception {
        Path model = chatModel(dir);
        StreamTableEnvironment env = tableEnv(1);
        env.executeSql(model("chat", model, "messages ARRAY<ROW<role STRING, content STRING>>",
                "completion STRING, finish_reason STRING", "'temperature' = '0', 'max-tokens' = '10'"));
        DataType message = DataTypes.ROW(DataTypes.FIELD("role", DataTypes.STRING()),
                DataTypes.FIELD("content", DataTypes.STRING()));
        env.createTemporaryView("conversations", env.fromValues(DataTypes.ROW(DataTypes.FIELD("id", DataTypes.INT()),
                        DataTypes.FIELD("messages", DataTypes.ARRAY(message))),
                Row.of(1, new Row[] {Row.of("user", "Who art thou?")}),
                Row.of(2, new Row[] {Row.of("system", "Speak as a king."), Row.of("user", "What news?")})));

        Result result = collect(env, "SELECT id, completion, finish_reason "
                + "FROM ML_PREDICT(TABLE conversations, MODEL chat, DESCRIPTOR(messages))");

        Map<String, GenerationRequest.Builder> requests = Map.of(
                "1", GenerationRequest.builder("1").messages(List.of(new ChatMessage("user", "Who art thou?"))),
                "2", GenerationRequest.builder("2").messages(List.of(new ChatMessage("system", "Speak as a king."),
                        new ChatMessage("user", "What news?"))));
        Map<String, String> expected = engineTexts(model, 10, requests);
        assertEquals(2, result.rows().size());
        for (Row row : result.rows()) {
            assertTrue(List.of("stop", "length").contains((String) row.getField("finish_reason")),
                    String.valueOf(row.getField("finish_reason")));
            assertEquals(expected.get(String.valueOf(row.getField("id"))), row.getField("completion"));
        }
    }

    @Test
    void aFailingRowIsAnsweredWithItsErrorCountedOrDroppedOrFailsTheJobAsConfigured() throws Exception {
        StreamTableEnvironment env = tableEnv(1);
        for (String strategy : List.of("output", "ignore", "failover")) {
            env.executeSql(model("bard_" + strategy, TestPaths.shakespeare(), "prompt STRING",
                    "completion STRING, finish_reason STRING, completion_tokens INT",
                    "'temperature' = '0', 'max-tokens' = '8', 'error-handling-strategy' = '" + strategy + "'"));
        }
        env.executeSql("CREATE TEMPORARY VIEW prompts AS SELECT * FROM (VALUES (1, 'ROMEO:'), (2, ''), "
                + "(3, REPEAT('ROMEO, ', 300)), (4, CAST(NULL AS STRING))) AS t(id, prompt)");

        Result output = collect(env, "SELECT id, completion, finish_reason, completion_tokens "
                + "FROM ML_PREDICT(TABLE prompts, MODEL bard_output, DESCRIPTOR(prompt))");
        Map<Integer, Row> byId = new HashMap<>();
        output.rows().forEach(r -> byId.put((Integer) r.getField("id"), r));
        assertEquals(4, byId.size());
        assertTrue(List.of("stop", "length").contains((String) byId.get(1).getField("finish_reason")));
        assertEquals("error: EMPTY_PROMPT: the prompt is empty", byId.get(2).getField("finish_reason"));
        String tooLong = (String) byId.get(3).getField("finish_reason");
        assertTrue(tooLong.startsWith("error: PROMPT_TOO_LONG: prompt of ") && tooLong.contains("context of 256"),
                tooLong);
        assertEquals("error: EMPTY_PROMPT: the prompt is null", byId.get(4).getField("finish_reason"));
        for (int id : List.of(2, 3, 4)) {
            assertNull(byId.get(id).getField("completion"));
            assertNull(byId.get(id).getField("completion_tokens"));
        }
        assertEquals(3, counter(output.job(), "sluice.failedRows"));
        assertEquals(1, counter(output.job(), "sluice.rows"));

        Result ignored = collect(env, "SELECT id, finish_reason "
                + "FROM ML_PREDICT(TABLE prompts, MODEL bard_ignore, DESCRIPTOR(prompt))");
        assertEquals(List.of(1), ignored.rows().stream().map(r -> r.getField("id")).toList());
        assertEquals(3, counter(ignored.job(), "sluice.failedRows"));

        Exception failover = assertThrows(Exception.class, () -> collect(env, "SELECT id, finish_reason "
                + "FROM ML_PREDICT(TABLE prompts, MODEL bard_failover, DESCRIPTOR(prompt))"));
        StringBuilder causes = new StringBuilder();
        for (Throwable t = failover; t != null; t = t.getCause()) {
            causes.append(t.getMessage()).append('\n');
        }
        assertTrue(causes.toString().contains("a row failed (error-handling-strategy 'failover'): EMPTY_PROMPT"),
                causes.toString());
    }

    @Test
    void twoModelsRunInOneJob() throws Exception {
        Path draft = TestPaths.root().resolve("models/shakespeare-draft.gguf");
        StreamTableEnvironment env = tableEnv(1);
        env.executeSql(model("bard", TestPaths.shakespeare(), "prompt STRING", "completion STRING",
                "'temperature' = '0', 'max-tokens' = '10'"));
        env.executeSql(model("apprentice", draft, "prompt STRING", "completion STRING",
                "'temperature' = '0', 'max-tokens' = '10'"));
        env.executeSql("CREATE TEMPORARY VIEW prompts AS SELECT * FROM (VALUES (1, 'ROMEO:'), (2, 'KING LEAR:')) "
                + "AS t(id, prompt)");

        Result result = collect(env, "SELECT 'bard' AS model, id, prompt, completion "
                + "FROM ML_PREDICT(TABLE prompts, MODEL bard, DESCRIPTOR(prompt)) UNION ALL "
                + "SELECT 'apprentice' AS model, id, prompt, completion "
                // Flink 2.2's planner merges ML_PREDICT calls that differ only in a model of the same schema
                // (both would run bard): a config map of its own keeps this call apart (see README, SQL).
                + "FROM ML_PREDICT(TABLE prompts, MODEL apprentice, DESCRIPTOR(prompt), MAP['async', 'true'])");

        Map<String, GenerationRequest.Builder> requests = new HashMap<>();
        for (String p : List.of("ROMEO:", "KING LEAR:")) {
            requests.put(p, GenerationRequest.builder(p).prompt(p));
        }
        Map<String, String> bard = engineTexts(TestPaths.shakespeare(), 10, requests);
        Map<String, String> apprentice = engineTexts(draft, 10, requests);
        assertEquals(4, result.rows().size());
        for (Row row : result.rows()) {
            Map<String, String> expected = row.getField("model").equals("bard") ? bard : apprentice;
            assertEquals(expected.get((String) row.getField("prompt")), row.getField("completion"),
                    row.getField("model") + " " + row.getField("prompt"));
        }
        assertTrue(!bard.equals(apprentice), "two different models");
    }

    @Test
    void promptsFromAKafkaTopicGetCompletionsOnAnother() throws Exception {
        String in = "sql-prompts";
        String out = "sql-completions";
        cluster.kafka.createTopics(Map.of(in, 2, out, 1));
        List<String> prompts = List.of("ROMEO:", "JULIET:", "KING HENRY:", "HAMLET:", "MENENIUS:", "GLOUCESTER:");
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            records.add(JSON.writeValueAsBytes(Map.of("id", i, "prompt", prompts.get(i))));
        }
        cluster.produce(in, records);
        StreamTableEnvironment env = tableEnv(2);
        String kafka = "'connector' = 'kafka', 'properties.bootstrap.servers' = '" + cluster.kafka.bootstrapServers()
                + "', 'format' = 'json'";
        env.executeSql("CREATE TEMPORARY TABLE prompts (id BIGINT, prompt STRING) WITH (" + kafka + ", 'topic' = '"
                + in + "', 'properties.group.id' = 'sql-e2e', 'scan.startup.mode' = 'earliest-offset', "
                + "'scan.bounded.mode' = 'latest-offset')");
        env.executeSql("CREATE TEMPORARY TABLE completions (id BIGINT, completion STRING, finish_reason STRING) "
                + "WITH (" + kafka + ", 'topic' = '" + out + "')");
        env.executeSql(model("bard", TestPaths.shakespeare(), "prompt STRING", "completion STRING, finish_reason STRING",
                "'temperature' = '0', 'max-tokens' = '8'"));

        env.executeSql("INSERT INTO completions SELECT id, completion, finish_reason "
                + "FROM ML_PREDICT(TABLE prompts, MODEL bard, DESCRIPTOR(prompt))").await(3, TimeUnit.MINUTES);

        Map<String, GenerationRequest.Builder> requests = new HashMap<>();
        for (String p : prompts) {
            requests.put(p, GenerationRequest.builder(p).prompt(p));
        }
        Map<String, String> expected = engineTexts(TestPaths.shakespeare(), 8, requests);
        Map<Integer, String> byId = new HashMap<>();
        cluster.readCommitted(out).forEach(r -> {
            try {
                JsonNode node = JSON.readTree(r.value());
                assertNull(byId.put(node.get("id").asInt(), node.get("completion").asText()), "one answer per id");
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(prompts.size(), byId.size());
        byId.forEach((id, completion) -> assertEquals(expected.get(prompts.get(id)), completion, prompts.get(id)));
    }
}
