package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The speculative decoding options of generate and bench, and their user errors. */
class SpeculationCliTest {

    static final String SHAKESPEARE = GenerateCommandTest.SHAKESPEARE;
    static final String DRAFT = "../models/shakespeare-draft.gguf";

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    private final ObjectMapper mapper = new ObjectMapper();

    private JsonNode generate(String... extra) throws Exception {
        String[] base = {"generate", "--model", SHAKESPEARE, "--prompt", "ROMEO:", "--max-tokens", "40", "--json"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        assertEquals(0, cli.run(args), cli.stderr());
        return mapper.readTree(cli.stdout());
    }

    @Test
    void generateGivesTheSameCompletionWithAndWithoutSpeculation() throws Exception {
        for (String[] sampling : new String[][] {{"--temperature", "0"}, {"--temperature", "0.9", "--seed", "7"}}) {
            JsonNode plain = generate(sampling);
            JsonNode drafted = generate(concat(sampling, "--draft-model", DRAFT, "--logprobs", "0"));
            JsonNode lookup = generate(concat(sampling, "--prompt-lookup", "--max-draft-tokens", "3"));
            assertEquals(plain.get("token_ids"), drafted.get("token_ids"));
            assertEquals(plain.get("token_ids"), lookup.get("token_ids"));
            assertEquals(plain.get("text"), drafted.get("text"));
        }
    }

    @Test
    void benchJsonReportsAcceptanceAndTokensPerStep() throws Exception {
        // drafts every step: the measured policy may turn drafting off on a busy machine (outputs are the same)
        System.setProperty("sluice.speculation.policy", "always");
        try {
            benchWithDrafts();
        } finally {
            System.clearProperty("sluice.speculation.policy");
        }
    }

    private void benchWithDrafts() throws Exception {
        assertEquals(0, cli.run("bench", "--model", SHAKESPEARE, "--draft-model", DRAFT, "--concurrency", "1,2",
                "--prompt-len", "16", "--gen-len", "24", "--json"), cli.stderr());
        String json = cli.stdout().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
        for (JsonNode r : mapper.readTree(json).get("results")) {
            assertTrue(r.get("acceptance_rate").asDouble() > 0, r.toString());
            assertTrue(r.get("tokens_per_step").asDouble() > 1, r.toString());
        }
        assertEquals(0, cli.run("bench", "--model", SHAKESPEARE, "--concurrency", "1", "--prompt-len", "8",
                "--gen-len", "4"));
        assertTrue(cli.stdout().contains("tok/step"), cli.stdout());
        // no drafter: the speculation columns say '-', not a misleading 0.0%
        assertTrue(cli.stdout().lines().anyMatch(l -> l.trim().startsWith("1 ") && l.trim().endsWith(" -")),
                cli.stdout());
    }

    @Test
    void badSpeculationInputsAreOneLineUserErrors() {
        String stories = GenerateCommandTest.STORIES;
        String[][] cases = {
                {"generate", "--model", SHAKESPEARE, "--prompt", "A", "--draft-model", stories},
                {"generate", "--model", SHAKESPEARE, "--prompt", "A", "--draft-model", dir.resolve("no.gguf").toString()},
                {"generate", "--model", SHAKESPEARE, "--prompt", "A", "--prompt-lookup", "--spec-mode", "fast"},
                {"generate", "--model", SHAKESPEARE, "--prompt", "A", "--prompt-lookup", "--draft-model", DRAFT},
                {"generate", "--model", SHAKESPEARE, "--prompt", "A", "--prompt-lookup", "--max-draft-tokens", "0"},
                {"bench", "--model", SHAKESPEARE, "--draft-model", stories, "--concurrency", "1"},
        };
        for (String[] c : cases) {
            assertEquals(2, cli.run(c), String.join(" ", c));
            String e = cli.stderr().strip();
            assertTrue(e.startsWith("sluice: "), e);
            assertFalse(e.contains("\n"), "one line: " + e);
        }
        cli.run(cases[0]);
        assertTrue(cli.stderr().contains("vocabulary of 512 tokens"), cli.stderr());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
