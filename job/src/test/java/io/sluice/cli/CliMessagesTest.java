package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One clear line for what a user gets wrong, and never exit 0 when the output was lost. */
class CliMessagesTest {

    static final String STORIES = "../gpu-runtime/src/test/resources/models/stories260K.gguf";

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    private void assertUserError(String expected, String... args) {
        int code = cli.run(args);
        assertEquals(2, code, cli.stderr());
        assertEquals(List.of("sluice: " + expected), cli.stderr().lines().toList());
    }

    @Test
    void generateRefusesEmptyPromptsAndStopsAndNamesADirectoryModel() {
        assertUserError("EMPTY_PROMPT: the prompt is empty", "generate", "--model", STORIES, "--prompt", "");
        assertUserError("EMPTY_PROMPT: the prompt is empty", "generate", "--model", STORIES, "--prompt-ids", " ");
        assertUserError("--stop needs a non-empty string", "generate", "--model", STORIES, "--prompt", "a",
                "--stop", "");
        assertUserError(dir + " is a directory, not a model file", "generate", "--model", dir.toString(),
                "--prompt", "a");
        assertUserError("no such file: " + dir.resolve("none.gguf"), "generate", "--model",
                dir.resolve("none.gguf").toString(), "--prompt", "a");
    }

    @Test
    void tokenizeNamesWhatIsWrongWithItsFiles() throws Exception {
        Path cases = dir.resolve("cases.inp");
        Files.write(cases, new byte[] {'o', 'k', '\n', 'a', (byte) 0xFF, '\n'});
        assertUserError(cases + " is not valid UTF-8 (line 2, byte 5)", "tokenize", "--model", STORIES, "--cases",
                cases.toString());
        assertUserError("--cases " + dir + " is a directory", "tokenize", "--model", STORIES,
                "--cases", dir.toString());
        assertUserError(dir + " is a directory, not a GGUF file", "tokenize", "--model", dir.toString(), "--text", "a");
    }

    @Test
    void benchChecksThePlotDirectoryBeforeMeasuring() {
        Path png = dir.resolve("missing/bench.png");
        assertUserError("--plot: no such directory: " + png.getParent(), "bench", "--model", STORIES,
                "--concurrency", "1", "--prompt-len", "4", "--gen-len", "2", "--plot", png.toString());
        assertFalse(cli.stdout().contains("concurrency"), "nothing was measured: " + cli.stdout());
    }

    @Test
    void benchRefusesWhatCannotFitBeforeRunning() {
        assertUserError("--prompt-len + --gen-len = 4294967294 exceeds the model's context of 128", "bench",
                "--model", STORIES, "--prompt-len", "2147483647", "--gen-len", "2147483647");
        int code = cli.run("bench", "--model", STORIES, "--concurrency", "1,1000000000", "--prompt-len", "4",
                "--gen-len", "2");
        assertEquals(2, code, cli.stderr());
        assertTrue(cli.stderr().startsWith("sluice: --concurrency 1000000000 needs "), cli.stderr());
        assertTrue(cli.stderr().contains("GB heap holds"), cli.stderr());
        assertEquals(1, cli.stderr().lines().count(), cli.stderr());
    }

    @Test
    void verboseSaysWhichKernelsRun() {
        assertEquals(0, cli.run("generate", "--model", STORIES, "--prompt-ids", "1", "--max-tokens", "1",
                "--verbose"), cli.stderr());
        String expected = "sluice: CPU kernels: " + io.sluice.tensor.cpu.Backends.active().name() + " (";
        assertTrue(cli.stderr().lines().anyMatch(l -> l.startsWith(expected)), cli.stderr());
        assertEquals(0, cli.run("generate", "--model", STORIES, "--prompt-ids", "1", "--max-tokens", "1"));
        assertFalse(cli.stderr().contains("CPU kernels"), cli.stderr());
    }

    @Test
    void aFullStdoutIsAnErrorNotExitZero() throws Exception {
        File full = new File("/dev/full");
        for (List<String> args : List.of(
                List.of("generate", "--model", STORIES, "--prompt-ids", "1", "--max-tokens", "2", "--json"),
                List.of("tokenize", "--model", STORIES, "--text", "hello"),
                List.of("bench", "--model", STORIES, "--concurrency", "1", "--prompt-len", "4", "--gen-len", "2",
                        "--json"))) {
            MainProcess.Result r = new MainProcess().stdoutTo(full).run(dir, args.toArray(String[]::new));
            assertEquals(1, r.exitCode(), args + ": " + r.stderr());
            assertEquals(List.of("sluice: could not write to standard output (a full disk or a closed pipe)"),
                    r.errorLines(), args.toString());
        }
    }
}
