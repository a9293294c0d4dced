package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice bench} and {@code sluice batch} through the command line's entry point. */
class EngineCliTest {

    static final Path SHAKESPEARE = Path.of("../models/shakespeare.gguf");
    static final Path STORIES = Path.of("../gpu-runtime/src/test/resources/models/stories260K.gguf");
    static final Path ROMEO = Path.of("../gpu-runtime/src/test/resources/models/shakespeare.greedy-romeo.json");

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();
    private final ObjectMapper mapper = new ObjectMapper();

    private int run(String... args) {
        return cli.run(args);
    }

    private String stdout() {
        return cli.stdout();
    }

    private String jsonLine() {
        return cli.jsonLine();
    }

    private String stderr() {
        return cli.stderr();
    }

    @Test
    void benchPrintsJsonPerConcurrencyAndDrawsAPlot() throws Exception {
        Path png = dir.resolve("bench.png");
        assertEquals(0, run("bench", "--model", STORIES.toString(), "--concurrency", "1,3", "--prompt-len", "16",
                "--gen-len", "6", "--json", "--plot", png.toString()), stderr());
        JsonNode root = mapper.readTree(jsonLine());
        assertEquals(Files.size(STORIES), root.get("model_bytes").asLong());
        JsonNode results = root.get("results");
        assertEquals(2, results.size());
        assertEquals(1, results.get(0).get("concurrency").asInt());
        assertEquals(3, results.get(1).get("concurrency").asInt());
        for (JsonNode r : results) {
            for (String f : List.of("prefill_tok_s", "decode_tok_s", "ttft_ms_p50", "ttft_ms_p99", "tpot_ms_p50",
                    "tpot_ms_p99", "kv_bytes_peak", "prefill_gflops", "decode_gflops")) {
                assertTrue(r.get(f).asDouble() > 0, f + " in " + r);
            }
            assertTrue(r.get("ttft_ms_p99").asDouble() >= r.get("ttft_ms_p50").asDouble());
        }
        assertTrue(results.get(1).get("kv_bytes_peak").asLong() > results.get(0).get("kv_bytes_peak").asLong());
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 1000);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(head, 4));
    }

    @Test
    void benchRoundsToSignificantDigitsNotDecimals() {
        assertEquals(0.001235, BenchCommand.round(0.0012345678), 1e-12);
        assertEquals(1235.0, BenchCommand.round(1234.5678), 1e-9);
        assertEquals(0.0, BenchCommand.round(0.0));
    }

    @Test
    void benchWithASharedPrefixServesItFromTheCache() throws Exception {
        assertEquals(0, run("bench", "--model", STORIES.toString(), "--concurrency", "2", "--prompt-len", "40",
                "--gen-len", "4", "--shared-prefix", "32", "--json"), stderr());
        JsonNode r = mapper.readTree(jsonLine()).get("results").get(0);
        assertEquals(64, r.get("cached_prompt_tokens").asInt()); // 2 requests x 2 full blocks of 16
    }

    @Test
    void benchCountsTheKvOfSequencesThatFinishInTheirFirstStep() throws Exception {
        // with --gen-len 1 every sequence finishes in the step that prefilled it: its blocks still count
        assertEquals(0, run("bench", "--model", STORIES.toString(), "--concurrency", "2", "--prompt-len", "20",
                "--gen-len", "1", "--json"), stderr());
        JsonNode r = mapper.readTree(jsonLine()).get("results").get(0);
        assertTrue(r.get("kv_bytes_peak").asLong() > 0, r.toString());
    }

    @Test
    void benchTableAndUserErrors() {
        assertEquals(0, run("bench", "--model", STORIES.toString(), "--concurrency", "2", "--prompt-len", "8",
                "--gen-len", "4"), stderr());
        assertTrue(stdout().contains("concurrency"));
        assertTrue(stdout().lines().anyMatch(l -> l.trim().startsWith("2 ")), stdout());
        assertEquals(2, run("bench", "--model", dir.resolve("missing.gguf").toString()));
        assertTrue(stderr().startsWith("sluice: no such file"), stderr());
        assertEquals(2, run("bench", "--model", STORIES.toString(), "--prompt-len", "100", "--gen-len", "100"));
        assertTrue(stderr().contains("context"), stderr());
        assertEquals(2, run("bench", "--model", STORIES.toString(), "--concurrency", "0"));
        assertEquals(2, run("bench", "--model", STORIES.toString(), "--warm-up", "-1"));
        assertTrue(stderr().contains("--warm-up must be between 0 and 600 seconds"), stderr());
    }

    private Map<String, JsonNode> readOutput(Path file) throws Exception {
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n = mapper.readTree(line);
            assertFalse(byId.containsKey(n.get("request_id").asText()), "answered twice: " + n);
            byId.put(n.get("request_id").asText(), n);
        }
        return byId;
    }

    private static int[] ids(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = array.get(i).asInt();
        }
        return a;
    }

    @Test
    void batchAnswersValidLinesAndReportsInvalidOnes() throws Exception {
        JsonNode golden = mapper.readTree(ROMEO.toFile());
        int[] expected = ids(golden.get("token_ids"));
        Path in = dir.resolve("in.jsonl");
        Path outFile = dir.resolve("out.jsonl");
        List<String> lines = new ArrayList<>(List.of(
                "{\"request_id\":\"a\",\"prompt\":\"ROMEO:\",\"sampling\":{\"max_tokens\":10,\"temperature\":0}}",
                "{\"request_id\":\"b\",\"prompt_ids\":[1,957],\"sampling\":{\"max_tokens\":5,\"temperature\":0}}",
                "{not json",
                "{\"request_id\":\"d\",\"prompt_ids\":[1,99999],\"sampling\":{\"max_tokens\":3}}",
                "{\"request_id\":\"e\",\"prompt\":\"x\",\"sampling\":{\"max_tokens\":-1}}",
                "{\"request_id\":\"f\",\"prompt\":\"JULIET:\",\"sampling\":{\"max_tokens\":12,\"temperature\":0.8,\"seed\":3,"
                        + "\"stop\":[\"\\n\"]}}",
                "",
                "{\"request_id\":\"a\",\"prompt\":\"again\"}",
                "{\"request_id\":\"g\",\"prompt\":\"x\",\"sampling\":{\"top_p\":\"high\"}}"));
        Files.write(in, lines);
        assertEquals(0, run("batch", "--model", SHAKESPEARE.toString(), "--input", in.toString(), "--output",
                outFile.toString(), "--concurrency", "3"), stderr());
        Map<String, JsonNode> got = readOutput(outFile);
        assertEquals(java.util.Set.of("a", "b", "#line:3", "d", "e", "f", "#line:8", "g"), got.keySet());
        assertArrayEquals(java.util.Arrays.copyOf(expected, 10), ids(got.get("a").get("token_ids")));
        assertEquals("length", got.get("a").get("finish_reason").asText());
        assertEquals(2, got.get("a").get("prompt_tokens").asInt());
        assertEquals(10, got.get("a").get("completion_tokens").asInt());
        assertTrue(got.get("a").get("text").asText().startsWith("ius Mar"));
        assertArrayEquals(java.util.Arrays.copyOf(expected, 5), ids(got.get("b").get("token_ids")));
        assertTrue(got.get("#line:3").get("error").asText().contains("JSON"));
        assertTrue(got.get("d").get("error").asText().startsWith("TOKEN_OUT_OF_VOCABULARY"), got.get("d").toString());
        assertTrue(got.get("e").get("error").asText().contains("max_tokens"));
        assertTrue(got.get("g").get("error").asText().contains("top_p"));
        assertFalse(got.get("f").get("text").asText().contains("\n"));
        assertTrue(stderr().contains("batch"), stderr());
        // the duplicate "a" is reported under its line number; the first answer keeps the id
        assertTrue(got.get("#line:8").get("error").asText().contains("duplicate request_id \"a\""));
        assertTrue(stderr().contains("3 completed, 5 errors"), stderr());
    }

    @Test
    void theJobsSamplePromptsRunAsABatch() throws Exception {
        Path prompts = Path.of("../conf/prompts.jsonl");
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (String line : Files.readAllLines(prompts)) {
            ids.add(mapper.readTree(line).get("request_id").asText());
        }
        Path outFile = dir.resolve("out.jsonl");
        assertEquals(0, run("batch", "--model", SHAKESPEARE.toString(), "--input", prompts.toString(), "--output",
                outFile.toString(), "--no-progress"), stderr());
        Map<String, JsonNode> got = readOutput(outFile);
        assertEquals(ids, got.keySet());
        assertTrue(got.values().stream().allMatch(n -> n.has("token_ids")), got.toString());
    }

    @Test
    void batchResumesSkippingAnsweredIdsAndRepairingAPartialLine() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Path outFile = dir.resolve("out.jsonl");
        Files.write(in, List.of(
                "{\"request_id\":\"a\",\"prompt\":\"ROMEO:\",\"sampling\":{\"max_tokens\":6,\"temperature\":0}}",
                "{\"request_id\":\"b\",\"prompt\":\"JULIET:\",\"sampling\":{\"max_tokens\":6,\"temperature\":0.9,\"seed\":11}}",
                "{\"request_id\":\"c\",\"prompt_ids\":[1,957],\"sampling\":{\"max_tokens\":4,\"temperature\":0}}"));
        assertEquals(0, run("batch", "--model", SHAKESPEARE.toString(), "--input", in.toString(), "--output",
                outFile.toString()), stderr());
        Map<String, JsonNode> full = readOutput(outFile);
        // simulate a run killed while writing: keep a's line, then half of b's
        String aLine = Files.readAllLines(outFile).stream().filter(l -> l.contains("\"request_id\":\"a\"")).findFirst().orElseThrow();
        String bLine = Files.readAllLines(outFile).stream().filter(l -> l.contains("\"request_id\":\"b\"")).findFirst().orElseThrow();
        Files.writeString(outFile, aLine + "\n" + bLine.substring(0, bLine.length() / 2));
        assertEquals(0, run("batch", "--model", SHAKESPEARE.toString(), "--input", in.toString(), "--output",
                outFile.toString()), stderr());
        assertTrue(stderr().contains("partly written"), stderr());
        assertTrue(stderr().contains("1 already answered"), stderr());
        Map<String, JsonNode> resumed = readOutput(outFile);
        assertEquals(full, resumed); // same answers, each once; b and c regenerated identically
        assertEquals(3, Files.readAllLines(outFile).size());
    }
}
