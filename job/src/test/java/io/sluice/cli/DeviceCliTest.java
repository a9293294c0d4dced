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
        assertOneLine("--device: device 'tpu:1' is not one of cpu, cpu:N, cuda, cuda:N");
        assertEquals(2, cli.run("generate", "--model", STORIES, "--device", "cpu,cuda", "--prompt-ids", "1"));
        assertOneLine("--device: devices [cpu, cuda:0] mix kinds; a layer split uses devices of one kind");
    }

    @Test
    void aModelSplitOverTwoDevicesGeneratesWhatOneDeviceDoes() {
        String[] request = {"--model", STORIES, "--prompt-ids", "1", "--max-tokens", "12", "--temperature", "0.8",
                "--seed", "3", "--json", "--logprobs", "2"};
        assertEquals(0, cli.run(concat(new String[] {"generate", "--device", "cpu"}, request)), cli.stderr());
        String one = cli.stdout();
        assertEquals(0, cli.run(concat(new String[] {"generate", "--device", "cpu:1,cpu:2"}, request)), cli.stderr());
        assertEquals(one, cli.stdout());
    }

    @Test
    void theKvTypeIsChosenByNameAndContradictionsAreOneLine() {
        assertEquals(0, cli.run("generate", "--model", STORIES, "--kv-type", "f16", "--prompt-ids", "1",
                "--max-tokens", "4", "--temperature", "0", "--json"), cli.stderr());
        assertTrue(cli.stdout().contains("\"completion_tokens\":4"), cli.stdout());
        assertEquals(2, cli.run("generate", "--model", STORIES, "--kv-type", "int4", "--prompt-ids", "1"));
        assertOneLine("--kv-type: KV type 'int4' is not one of f32, f16, q8");
        assertEquals(2, cli.run("generate", "--model", STORIES, "--kv-8bit", "--kv-type", "f16", "--prompt-ids", "1"));
        assertOneLine("--kv-8bit and --kv-type f16 contradict each other: give one");
    }

    @Test
    void runRefusesAGpuItCannotUseAndTheFlagOverridesJobYaml() throws Exception {
        Optional<String> reason = CudaStatus.current().reason();
        assumeTrue(reason.isPresent(), "CUDA is usable here");
        String config = Path.of("../conf/job.yaml").toString();
        assertEquals(2, cli.run("run", "--config", config, "--dry-run", "--device", "cuda:3"));
        assertOneLine("--device cuda:3: CUDA cannot be used: " + reason.get());
        assertEquals(2, cli.run("run", "--config", config, "--dry-run", "--device", "cuda:0,cuda:1"));
        assertOneLine("--device cuda:0: CUDA cannot be used: " + reason.get());
        assertEquals(2, cli.run("run", "--config", config, "--dry-run", "--device", "gpu"));
        assertOneLine("--device: device 'gpu' is not one of auto, cpu, cuda, cuda:N");
        assertEquals(0, cli.run("run", "--config", config, "--dry-run", "--device", "cpu", "--set",
                "model.devices=[0, 1]", "--set", "model.path=" + ModelToolsCliTest.SHAKESPEARE), cli.stderr());
        assertTrue(cli.stdout().contains("device: cpu\n"), cli.stdout());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void anAbsentGpuIsOneLineWithTheReasonOnEveryCommand() throws Exception {
        Optional<String> reason = CudaStatus.current().reason();
        assumeTrue(reason.isPresent(), "CUDA is usable here");
        assertEquals(2, cli.run("generate", "--model", STORIES, "--device", "cuda", "--prompt-ids", "1",
                "--max-tokens", "2"));
        assertOneLine("--device cuda:0: CUDA cannot be used: " + reason.get());

        Path input = Files.writeString(dir.resolve("in.jsonl"), "{\"request_id\":\"a\",\"prompt_ids\":[1],\"sampling\":{\"max_tokens\":2}}\n");
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
