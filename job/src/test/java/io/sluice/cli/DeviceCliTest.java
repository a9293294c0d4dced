package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.tensor.cuda.CudaStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device} on generate, batch and bench: the CPU runs, a GPU that is not there is one line and exit 2. */
class DeviceCliTest {

    private static final String STORIES = GenerateCommandTest.STORIES;

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    @Test
    void theCpuDeviceGenerates() {
        assertEquals(0, cli.run("generate", "--model", STORIES, "--device", "cpu", "--prompt-ids", "1",
                "--max-tokens", "4", "--temperature", "0", "--json"), cli.stderr());
        assertTrue(cli.stdout().contains("\"completion_tokens\":4"), cli.stdout());
    }

    @Test
    void anUnknownDeviceIsOneLineNamingTheForms() {
        assertEquals(2, cli.run("generate", "--model", STORIES, "--device", "tpu:1", "--prompt-ids", "1"));
        assertOneLine("--device: device 'tpu:1' is not one of cpu, cuda, cuda:N");
    }

    @Test
    void anAbsentGpuIsOneLineWithTheReasonOnEveryCommand() throws Exception {
        Optional<String> reason = CudaStatus.current().reason();
        assumeTrue(reason.isPresent(), "CUDA is usable here");
        assertEquals(2, cli.run("generate", "--model", STORIES, "--device", "cuda", "--prompt-ids", "1",
                "--max-tokens", "2"));
        assertOneLine("--device cuda:0: CUDA cannot be used: " + reason.get());

        Path input = Files.writeString(dir.resolve("in.jsonl"), "{\"id\":\"a\",\"prompt_ids\":[1],\"max_tokens\":2}\n");
        Path output = dir.resolve("out.jsonl");
        assertEquals(2, cli.run("batch", "--model", STORIES, "--device", "cuda:1", "--input", input.toString(),
                "--output", output.toString()));
        assertOneLine("--device cuda:1: CUDA cannot be used: " + reason.get());
        assertFalse(Files.exists(output), "no output file for a model that cannot load");

        assertEquals(2, cli.run("bench", "--model", STORIES, "--device", "cuda", "--concurrency", "1",
                "--prompt-len", "4", "--gen-len", "2"));
        assertOneLine("--device cuda:0: CUDA cannot be used: " + reason.get());
    }

    private void assertOneLine(String expected) {
        String err = cli.stderr().strip();
        assertFalse(err.contains("\n"), err);
        assertFalse(err.contains("Exception"), err);
        assertTrue(err.endsWith(expected), err);
    }
}
