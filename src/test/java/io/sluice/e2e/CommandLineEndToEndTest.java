package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.cli.SluiceCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code demo}, {@code run} and {@code pipeline-bench} subcommands, run as {@code ./sluice} runs them. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CommandLineEndToEndTest {
    private static final Pattern SUMMARY =
            Pattern.compile("demo: (\\d+) requests, (\\d+) completions, (\\d+) dead letters, (\\d+\\.\\d) tokens/s");

    @RegisterExtension
    final ConsoleCapture console = ConsoleCapture.withSluiceHome();

    @Test
    void theDemoAnswersTheSamplePromptsAndEndsWithItsSummary() {
        int status = SluiceCli.execute("demo");
        String stdout = console.out();
        assertEquals(0, status, stdout + console.err());
        List<String> lines = stdout.lines().toList();
        Matcher summary = SUMMARY.matcher(lines.get(lines.size() - 1));
        assertTrue(summary.matches(), "last line: " + lines.get(lines.size() - 1));
        assertEquals(20, Integer.parseInt(summary.group(1)));
        assertEquals(12, Integer.parseInt(summary.group(2)));
        assertEquals(8, Integer.parseInt(summary.group(3)));
        assertTrue(Double.parseDouble(summary.group(4)) > 0);
        for (String id : List.of("romeo-1", "juliet-1", "greedy-romeo", "queen-1")) {
            assertTrue(stdout.contains("== " + id + " ("), id + " missing in\n" + stdout);
        }
        for (String reason : List.of("UNDECODABLE", "WRONG_SCHEMA", "EMPTY_PROMPT", "PROMPT_TOO_LONG",
                "INVALID_PARAMETERS", "UNKNOWN_MODEL")) {
            assertTrue(stdout.contains(": " + reason + ": "), reason + " missing in\n" + stdout);
        }
    }

    @Test
    void runProcessesJsonLinesInBulkMode(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, """
                {"request_id": "a", "prompt": "ROMEO:", "sampling": {"max_tokens": 6}}
                {"request_id": "b", "prompt": "", "sampling": {"max_tokens": 6}}
                {"request_id": "c", "prompt_ids": [1, 957], "sampling": {"max_tokens": 6}}
                """);
        Path output = dir.resolve("out");
        int status = SluiceCli.execute("run", "--bulk-input", input.toString(), "--bulk-output", output.toString());
        assertEquals(0, status, console.err());
        assertEquals("run: 2 completions, 1 dead letters in " + output.toAbsolutePath(), console.out().strip());
    }

    @Test
    void runNamesAMissingConfigurationInOneLine() {
        assertEquals(2, SluiceCli.execute("run", "--config", "no/such/job.yaml"));
        assertEquals("sluice: no such config file: no/such/job.yaml", console.err().strip());
        console.reset();
        assertEquals(2, SluiceCli.execute("run", "--config", "conf/job.yaml", "--set", "micro-batch.max-requests=0"));
        assertTrue(console.err().strip().startsWith("sluice: micro-batch.max-requests must be >= 1"),
                console.err());
    }

    @Test
    void pipelineBenchReportsThroughputAndLatency() throws Exception {
        int status = SluiceCli.execute("pipeline-bench", "--requests", "12", "--warmup", "2", "--prompt-len", "8",
                "--gen-len", "8", "--max-in-flight", "4", "--batch", "4", "--checkpoint-ms", "200", "--json");
        assertEquals(0, status, console.err());
        JsonNode report = new ObjectMapper().readTree(console.out());
        assertEquals(12, report.get("completions").asInt());
        assertTrue(report.get("tokens_per_s").asDouble() > 0);
        assertTrue(report.at("/end_to_end_ms/p99").asDouble() >= report.at("/end_to_end_ms/p50").asDouble());
        assertTrue(report.at("/batch_wait_ms/max").asDouble() <= 20 + 1000, report.toString());
    }
}
