package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.ChatMessage;
import io.sluice.engine.EngineConfig;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.LlamaEngine;
import io.sluice.engine.SamplingParams;
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
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ML_PREDICT over the sluice model provider on a MiniCluster, with the bundled models. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SqlPredictEndToEndTest extends E2eClusterTest {

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
}
