package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code sluice tokenize}: llama.cpp's test-vector format in and out, and JSON ids for one text. */
class TokenizeCommandTest {

    static final String VOCAB = "../gpu-runtime/src/test/resources/vocab/ggml-vocab-";

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "starcoder"})
    void casesFilePrintsExactlyTheReferenceOutFile(String vocab) throws Exception {
        String gguf = VOCAB + vocab + ".gguf";
        assertEquals(0, cli.run("tokenize", "--model", gguf, "--cases", gguf + ".inp"), cli.stderr());
        assertEquals(Files.readString(Path.of(gguf + ".out"), StandardCharsets.UTF_8), cli.stdout());
    }

    @Test
    void textPrintsAJsonArrayWithBosOnlyWhenAsked() {
        assertEquals(0, cli.run("tokenize", "--model", "../models/shakespeare.gguf", "--text", "ROMEO:", "--bos"));
        assertEquals("[1,957]\n", cli.stdout());
        assertEquals(0, cli.run("tokenize", "--model", "../models/shakespeare.gguf", "--text", "ROMEO:"));
        assertEquals("[957]\n", cli.stdout());
        assertEquals(0, cli.run("tokenize", "--model", VOCAB + "gpt-2.gguf", "--text", "Hello world<|endoftext|>"));
        assertEquals("[15496,995,27,91,437,1659,5239,91,29]\n", cli.stdout(), "special-token text stays text");
        assertEquals(0, cli.run("tokenize", "--model", VOCAB + "gpt-2.gguf", "--text", ""));
        assertEquals("[]\n", cli.stdout());
    }

    @Test
    void casesWithBosAndEmptyStrings() throws Exception {
        Path inp = dir.resolve("cases.inp");
        Files.writeString(inp, "ROMEO:\n__ggml_vocab_test__\n\n__ggml_vocab_test__\n", StandardCharsets.UTF_8);
        assertEquals(0, cli.run("tokenize", "--model", "../models/shakespeare.gguf", "--cases", inp.toString(), "--bos"));
        assertEquals(" 1 957\n 1\n", cli.stdout());
        Files.writeString(inp, "", StandardCharsets.UTF_8);
        assertEquals(0, cli.run("tokenize", "--model", "../models/shakespeare.gguf", "--cases", inp.toString()));
        assertEquals("", cli.stdout());
    }

    @Test
    void userErrorsAreOneLineWithStatus2() throws Exception {
        assertEquals(2, cli.run("tokenize", "--model", dir.resolve("missing.gguf").toString(), "--text", "x"));
        assertEquals(1, cli.stderr().lines().count(), cli.stderr());
        assertTrue(cli.stderr().contains("missing.gguf"), cli.stderr());

        Path inp = dir.resolve("bad.inp");
        Files.writeString(inp, "no separator at the end", StandardCharsets.UTF_8);
        assertEquals(2, cli.run("tokenize", "--model", "../models/shakespeare.gguf", "--cases", inp.toString()));
        assertTrue(cli.stderr().contains("__ggml_vocab_test__"), cli.stderr());

        assertEquals(2, cli.run("tokenize", "--model", "../models/shakespeare.gguf", "--text", "a", "--cases",
                inp.toString()));
        assertEquals(2, cli.run("tokenize", "--model", "../models/shakespeare.gguf"));
    }
}
