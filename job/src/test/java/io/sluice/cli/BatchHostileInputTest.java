package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice batch} fed what a hostile or careless user feeds it: every input line gets exactly one output
 * line under an id that names it alone, whatever its bytes, and no input or output problem kills the run
 * silently or loses a line.
 */
class BatchHostileInputTest {

    static final String STORIES = "../gpu-runtime/src/test/resources/models/stories260K.gguf";

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();
    private final ObjectMapper mapper = new ObjectMapper();

    private int batch(Path in, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("batch", "--model", STORIES, "--input", in.toString(),
                "--output", out.toString(), "--no-progress"));
        args.addAll(List.of(more));
        return cli.run(args.toArray(String[]::new));
    }

    private Map<String, JsonNode> readOutput(Path file) throws Exception {
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode n = mapper.readTree(line);
            assertFalse(byId.containsKey(n.get("request_id").asText()), "answered twice: " + n);
            byId.put(n.get("request_id").asText(), n);
        }
        return byId;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyLineGetsExactlyOneAnswerUnderAnIdOfItsOwn() throws Exception {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        String ok = "\"prompt_ids\":[1],\"sampling\":{\"max_tokens\":2,\"temperature\":0}";
        in.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a byte-order mark
        in.write(utf8("{\"request_id\":\"first\"," + ok + "}\n"));
        in.write(utf8("{\"request_id\":\"x-\\ud800\"," + ok + "}\n")); // a lone surrogate in the id
        in.write(utf8("{\"request_id\":\"bad-bytes\",\"prompt\":\""));
        in.write(new byte[] {(byte) 0xFF, (byte) 0xC3});
        in.write(utf8("\"}\n"));
        in.write(utf8("{\"request_id\":\"two-a\"," + ok + "} {\"request_id\":\"two-b\"," + ok + "}\n"));
        in.write(utf8("{\"request_id\":\"#line:3\"," + ok + "}\n"));
        in.write(utf8("{\"request_id\":{\"a\":1}," + ok + "}\n"));
        in.write(utf8("{\"request_id\":[1]," + ok + "}\n"));
        in.write(utf8("{" + ok + "}\n")); // no id: refused as the job refuses it, under its line
        in.write(utf8("{\"request_id\":7," + ok + "}\n")); // request_id is a string in the schema
        in.write(utf8("{\"request_id\":\"first\"," + ok + "}\n"));
        in.write(utf8("{\"request_id\":\"empty-text\",\"prompt\":\"\"}\n"));
        in.write(utf8("{\"request_id\":\"empty-ids\",\"prompt_ids\":[]}\n"));
        in.write(utf8("{\"request_id\":\"empty-stop\",\"prompt\":\"a\",\"sampling\":{\"stop\":[\"\"]}}\n"));
        // over Jackson's default 20M-character string limit: still read, under its own id
        in.write(utf8("{\"request_id\":\"huge\"," + ok + ",\"note\":\"" + "a".repeat(21_000_000) + "\"}\n"));
        in.write(utf8("{\"request_id\":\"dup-a\",\"request_id\":\"dup-b\"," + ok + "}\n")); // which id?
        in.write(utf8("{\"request_id\":\"last\"," + ok + "}")); // no newline at the end
        Path input = dir.resolve("in.jsonl");
        Files.write(input, in.toByteArray());
        Path output = dir.resolve("out.jsonl");

        assertEquals(0, batch(input, output), cli.stderr());
        Map<String, JsonNode> got = readOutput(output);
        assertEquals(16, Files.readAllLines(output).size(), "one line per input line");
        assertTrue(got.get("first").has("token_ids"), got.toString());
        assertTrue(got.get("x-\ud800").has("token_ids"), got.toString());
        assertTrue(got.get("#line:3").get("error").asText().contains("not valid UTF-8"), got.toString());
        assertTrue(got.get("#line:4").get("error").asText().contains("more than one JSON value"), got.toString());
        assertTrue(got.get("#line:5").get("error").asText().contains("reserved"), got.toString());
        assertEquals("line 6: request_id must be a string", got.get("#line:6").get("error").asText());
        assertEquals("line 7: request_id must be a string", got.get("#line:7").get("error").asText());
        assertEquals("line 8: INVALID_REQUEST: request_id is missing", got.get("#line:8").get("error").asText());
        assertEquals("line 9: request_id must be a string", got.get("#line:9").get("error").asText());
        assertTrue(got.get("#line:10").get("error").asText().contains("duplicate request_id \"first\""),
                got.toString());
        assertEquals("line 11: EMPTY_PROMPT: the prompt is empty", got.get("empty-text").get("error").asText());
        assertEquals("line 12: EMPTY_PROMPT: the prompt is empty", got.get("empty-ids").get("error").asText());
        assertEquals("line 13: INVALID_PARAMETERS: a stop string is empty",
                got.get("empty-stop").get("error").asText());
        assertEquals("line 14: unknown field note", got.get("huge").get("error").asText());
        assertTrue(got.get("#line:15").get("error").asText().contains("Duplicate field 'request_id'"),
                got.toString());
        assertTrue(got.get("last").has("token_ids"));
        assertTrue(cli.stderr().contains("3 completed, 13 errors"), cli.stderr());

        // a rerun resumes from that output (lone surrogate included) and has nothing left to do
        byte[] before = Files.readAllBytes(output);
        assertEquals(0, batch(input, output), cli.stderr());
        assertTrue(cli.stderr().contains("0 completed, 0 errors, 16 already answered"), cli.stderr());
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(output));
    }

    @Test
    void aLineInTheOldFlatFormatEndsTheRunWithOneLineNamingTheReplacement() throws Exception {
        Path input = dir.resolve("in.jsonl");
        String good = "{\"request_id\":\"a\",\"prompt_ids\":[1],\"sampling\":{\"max_tokens\":2}}";
        Files.write(input, List.of(good, "{\"id\":\"b\",\"prompt_ids\":[1],\"max_tokens\":2}",
                good.replace("\"a\"", "\"c\"")));
        Path output = dir.resolve("out.jsonl");
        assertEquals(2, batch(input, output), cli.stderr());
        assertEquals("sluice: line 2: field 'id' is not part of the request format; use 'request_id'",
                cli.stderr().trim());
        assertEquals(Map.of("a", true), readOutput(output).entrySet().stream().collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().has("token_ids"))),
                "the lines before it are answered, it and the lines after it are not");

        // fixed, the file resumes
        Files.write(input, List.of(good, "{\"request_id\":\"b\",\"prompt_ids\":[1],\"sampling\":{\"max_tokens\":2}}",
                good.replace("\"a\"", "\"c\"")));
        assertEquals(0, batch(input, output), cli.stderr());
        assertTrue(cli.stderr().contains("2 completed, 0 errors, 1 already answered"), cli.stderr());
        assertEquals(Set.of("a", "b", "c"), readOutput(output).keySet());
    }

    @Test
    void theSummaryHasALineOfItsOwnEvenWhenTheBarNeverDrew() throws Exception {
        Path input = dir.resolve("empty.jsonl");
        Files.writeString(input, "");
        assertEquals(0, cli.run("batch", "--model", STORIES, "--input", input.toString(), "--output",
                dir.resolve("out.jsonl").toString()), cli.stderr());
        List<String> lines = cli.stderr().lines().toList();
        assertEquals("batch: 0 completed, 0 errors, 0 already answered", lines.get(lines.size() - 1), cli.stderr());
    }

    @Test
    void outputProblemsAreOneLineAndLoseNothingSilently() throws Exception {
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, "{\"request_id\":\"a\",\"prompt_ids\":[1],\"sampling\":{\"max_tokens\":2}}\n");
        assertEquals(2, batch(input, input));
        assertTrue(cli.stderr().startsWith("sluice: --output " + input + " is the input file"), cli.stderr());
        assertEquals(1, Files.readAllLines(input).size());

        Path copy = dir.resolve("copy.jsonl");
        Files.copy(input, copy);
        assertEquals(2, batch(input, copy));
        assertEquals("sluice: output file " + copy + ": line 1 is not a batch result (an object with a request_id and "
                + "token_ids or error); give another --output", cli.stderr().trim());

        assertEquals(1, batch(input, Path.of("/dev/full")));
        assertEquals(List.of("sluice: cannot write /dev/full: No space left on device"), cli.stderr().lines().toList());

        assertEquals(2, batch(input, dir));
        assertEquals("sluice: --output " + dir + " is a directory", cli.stderr().trim());
        assertEquals(2, batch(dir, dir.resolve("o.jsonl")));
        assertEquals("sluice: --input " + dir + " is a directory", cli.stderr().trim());

        Path broken = dir.resolve("broken.gguf");
        Files.writeString(broken, "not a model");
        Path output = dir.resolve("never.jsonl");
        assertEquals(2, cli.run("batch", "--model", broken.toString(), "--input", input.toString(), "--output",
                output.toString()));
        assertTrue(cli.stderr().startsWith("sluice: "), cli.stderr());
        assertFalse(Files.exists(output), "a model that cannot load leaves no empty output file");
        assertEquals(2, cli.run("batch", "--model", dir.toString(), "--input", input.toString(), "--output",
                output.toString()));
        assertEquals("sluice: " + dir + " is a directory, not a model file", cli.stderr().trim());
    }

    @Test
    void readsRequestsFromStdinAndResumesFromALargeOutputWithoutLoadingIt() throws Exception {
        // 120 MB of earlier answers, resumed by a JVM with a 64 MB heap: the output is streamed, not loaded.
        // They are keyed "id", as releases before request_id wrote them: such files still resume.
        Path output = dir.resolve("out.jsonl");
        String padding = "x".repeat(1000);
        try (var w = Files.newBufferedWriter(output)) {
            for (int i = 0; i < 120_000; i++) {
                w.write("{\"id\":\"old-" + i + "\",\"token_ids\":[],\"text\":\"" + padding + "\"}\n");
            }
        }
        byte[] requests = utf8("{\"request_id\":\"old-5\",\"prompt_ids\":[1],\"sampling\":{\"max_tokens\":2}}\n"
                + "{\"request_id\":\"new\",\"prompt_ids\":[1],\"sampling\":{\"max_tokens\":2,\"temperature\":0}}\n");
        MainProcess.Result r = new MainProcess().jvmOption("-Xmx64m").stdin(requests).run(dir, "batch", "--model",
                STORIES, "--input", "/dev/stdin", "--output", output.toString(), "--no-progress");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of("batch: 1 completed, 0 errors, 1 already answered"), r.errorLines());
        List<String> last = Files.readAllLines(output);
        assertEquals(120_001, last.size());
        assertTrue(last.get(120_000).startsWith("{\"request_id\":\"new\",\"token_ids\":["), last.get(120_000));
    }
}
