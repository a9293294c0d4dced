package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The generate command's contract: JSON fields, logprobs, and one-line user errors with exit status 2. */
class GenerateCommandTest {

    static final String STORIES = "../gpu-runtime/src/test/resources/models/stories260K.gguf";
    static final String SHAKESPEARE = "../models/shakespeare.gguf";

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    private int run(String... args) {
        return cli.run(args);
    }

    private JsonNode json() throws Exception {
        return new ObjectMapper().readTree(cli.stdout());
    }

    @Test
    void greedyIdsMatchTheGoldenOutput() throws Exception {
        String golden = Files.readString(Path.of("../gpu-runtime/src/test/resources/models/stories260K.greedy-bos.txt")).trim();
        assertEquals(0, run("generate", "--model", STORIES, "--prompt-ids", "1", "--max-tokens", "64",
                "--temperature", "0", "--json"));
        JsonNode o = json();
        StringBuilder ids = new StringBuilder();
        o.get("token_ids").forEach(id -> ids.append(ids.length() == 0 ? "" : " ").append(id.asInt()));
        assertEquals(golden, ids.toString());
        assertEquals("length", o.get("finish_reason").asText());
        assertEquals(1, o.get("prompt_tokens").asInt());
        assertEquals(64, o.get("completion_tokens").asInt());
        assertTrue(o.has("text"));
    }

    @Test
    void logprobsAreTopKPairsBestFirstAndPromptLogprobsStartWithNull() throws Exception {
        assertEquals(0, run("generate", "--model", SHAKESPEARE, "--prompt", "ROMEO:", "--max-tokens", "5",
                "--temperature", "0", "--logprobs", "3", "--prompt-logprobs", "2", "--json"));
        JsonNode o = json();
        assertEquals(5, o.get("logprobs").size());
        for (int i = 0; i < 5; i++) {
            JsonNode top = o.get("logprobs").get(i);
            assertEquals(3, top.size());
            // Greedy: the chosen token is the most likely one.
            assertEquals(o.get("token_ids").get(i).asInt(), top.get(0).get(0).asInt());
            assertTrue(top.get(0).get(1).asDouble() >= top.get(1).get(1).asDouble());
            assertTrue(top.get(0).get(1).asDouble() <= 0);
        }
        JsonNode prompt = o.get("prompt_logprobs");
        assertEquals(o.get("prompt_tokens").asInt(), prompt.size());
        assertTrue(prompt.get(0).isNull());
        assertEquals(2, prompt.get(1).size());
    }

    @Test
    void maxTokensZeroOnlyScoresThePrompt() throws Exception {
        assertEquals(0, run("generate", "--model", SHAKESPEARE, "--prompt-ids", "1 957 305", "--max-tokens", "0",
                "--prompt-logprobs", "1", "--json"));
        JsonNode o = json();
        assertEquals(0, o.get("token_ids").size());
        assertEquals(0, o.get("completion_tokens").asInt());
        assertEquals(3, o.get("prompt_logprobs").size());
    }

    @Test
    void sameSeedSameTokens() throws Exception {
        String[] args = {"generate", "--model", SHAKESPEARE, "--prompt", "JULIET:", "--max-tokens", "20",
                "--temperature", "0.9", "--seed", "11", "--json"};
        assertEquals(0, run(args));
        String first = json().get("token_ids").toString();
        assertEquals(0, run(args));
        assertEquals(first, json().get("token_ids").toString());
    }

    @Test
    void userErrorsAreOneLineWithStatusTwo() throws Exception {
        Path broken = dir.resolve("broken.gguf");
        Files.write(broken, new byte[] {'G', 'G', 'U', 'F', 9, 0, 0, 0});
        String[][] cases = {
                {"generate", "--model", dir.resolve("missing.gguf").toString(), "--prompt-ids", "1"},
                {"generate", "--model", broken.toString(), "--prompt-ids", "1"},
                {"generate", "--model", STORIES, "--prompt-ids", "1 x 3"},
                {"generate", "--model", STORIES, "--prompt-ids", "1 512"},
                {"generate", "--model", STORIES, "--prompt-ids", "1", "--temperature", "-1"},
                {"generate", "--model", STORIES, "--prompt-ids", "1", "--top-p", "0"},
                {"generate", "--model", STORIES, "--prompt-ids", "1", "--bogus"},
                {"generate", "--model", STORIES, "--prompt-ids", "1 ".repeat(600)},
        };
        for (String[] c : cases) {
            assertEquals(2, run(c), String.join(" ", c));
            String e = cli.stderr();
            assertTrue(e.startsWith("sluice: "), e);
            assertFalse(e.contains("\tat "), "no stack trace: " + e);
        }
    }
}
