package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.cli.SluiceCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice sql -f} on the example scripts of conf/sql/, pointed at test files and the test broker. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SqlCommandEndToEndTest extends E2eClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ConsoleCapture console = ConsoleCapture.plain();

    /** An example script with its relative paths made absolute, short completions, and these replacements. */
    private static Path example(String name, Path dir, Map<String, String> replacements) throws Exception {
        String script = Files.readString(TestPaths.root().resolve("conf/sql/" + name))
                .replace("'models/shakespeare.gguf'", "'" + TestPaths.shakespeare() + "'")
                .replace("'max-tokens' = '64'", "'max-tokens' = '8'");
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            assertTrue(script.contains(r.getKey()), r.getKey());
            script = script.replace(r.getKey(), r.getValue());
        }
        Path file = dir.resolve(name);
        Files.writeString(file, script);
        return file;
    }

    private static List<JsonNode> jsonLines(Path dir) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                assertTrue(!f.getFileName().toString().startsWith("."), "a file left in progress: " + f);
                for (String line : Files.readAllLines(f)) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        return lines;
    }

    @Test
    void theFilesExampleAnswersEveryPromptIntoCompleteFilesAndPrintsThem(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("completions");
        Path script = example("files.sql", dir, Map.of(
                "'conf/prompts.jsonl'", "'" + TestPaths.root().resolve("conf/prompts.jsonl") + "'",
                "'sluice-out/sql-completions'", "'" + output + "'"));

        int status = SluiceCli.execute("sql", "-f", script.toString());

        assertEquals(0, status, console.err());
        List<JsonNode> completions = jsonLines(output);
        assertEquals(12, completions.size());
        for (JsonNode c : completions) {
            if (c.get("request_id").asText().equals("greedy-romeo")) { // token ids, not a prompt: no "prompt"
                assertEquals("error: EMPTY_PROMPT: the prompt is null", c.get("finish_reason").asText());
                assertTrue(c.get("completion").isNull());
            } else {
                assertEquals(8, c.get("completion_tokens").asInt(), c.toString());
                assertEquals("length", c.get("finish_reason").asText());
            }
        }
        String table = console.out();
        assertTrue(table.contains("| op |") && table.contains("|                        romeo-1 |")
                && table.strip().endsWith("12 rows in set"), table);
    }

    @Test
    void theKafkaExampleAnswersTheTopicOnAnother(@TempDir Path dir) throws Exception {
        cluster.kafka.createTopics(Map.of("example-prompts", 1, "example-completions", 1));
        cluster.produce("example-prompts", List.of(
                "{\"request_id\": \"a\", \"prompt\": \"ROMEO:\"}".getBytes(StandardCharsets.UTF_8),
                "{\"request_id\": \"b\", \"prompt\": \"JULIET:\"}".getBytes(StandardCharsets.UTF_8)));
        Path script = example("kafka.sql", dir, Map.of(
                "localhost:9092", cluster.kafka.bootstrapServers(),
                "'sluice-sql-prompts'", "'example-prompts'",
                "'sluice-sql-completions'", "'example-completions'",
                // bounded, so that the command ends
                "'scan.startup.mode' = 'group-offsets',",
                "'scan.startup.mode' = 'group-offsets', 'scan.bounded.mode' = 'latest-offset',"));

        int status = SluiceCli.execute("sql", "-f", script.toString());

        assertEquals(0, status, console.err());
        List<String> ids = new ArrayList<>();
        for (var record : cluster.readCommitted("example-completions")) {
            JsonNode c = JSON.readTree(record.value());
            ids.add(c.get("request_id").asText());
            assertEquals(8, c.get("completion_tokens").asInt());
            assertTrue(c.get("prompt_tokens").asInt() >= 2 && c.get("ttft_ms").asDouble() > 0, c.toString());
        }
        assertEquals(List.of("a", "b"), ids.stream().sorted().toList());
    }

    @Test
    void aWrongStatementIsOneLineWithItsFileAndLine(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("wrong.sql");
        Files.writeString(script, "SET 'parallelism.default' = '1';\n\n"
                + "CREATE TEMPORARY VIEW t AS SELECT * FROM (VALUES ('x')) AS v(prompt);\n"
                + "CREATE MODEL m INPUT (prompt STRING) OUTPUT (text STRING)\n"
                + "  WITH ('provider' = 'sluice', 'model.path' = 'm.gguf');\n"
                + "SELECT * FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(prompt));\n");

        assertEquals(2, SluiceCli.execute("sql", "-f", script.toString()));

        String error = console.err().strip();
        assertEquals(1, error.lines().count(), error);
        assertTrue(error.startsWith("sluice: " + script + ":6: ") && error.contains("unknown output column 'text'"),
                error);
    }
}
