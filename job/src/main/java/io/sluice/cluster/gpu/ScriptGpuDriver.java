package io.sluice.cluster.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.externalresource.ExternalResourceDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a TaskManager's GPUs with a discovery script, under the contract of Flink's GPU plugin: the script is
 * called with the amount asked for followed by its configured arguments, and prints the GPUs' indexes on one
 * line, comma-separated — nothing when the machine has none, which leaves the TaskManager without GPUs (Sluice's
 * subtasks then run on the CPU). A script that fails or prints something else than indexes fails the discovery.
 */
final class ScriptGpuDriver implements ExternalResourceDriver {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptGpuDriver.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Path script;
    private final List<String> args;

    ScriptGpuDriver(Path script, List<String> args) {
        this.script = script;
        this.args = List.copyOf(args);
    }

    @Override
    public Set<GpuIndex> retrieveResourceInfo(long amount) throws Exception {
        if (amount <= 0) {
            throw new IllegalArgumentException("the amount of GPUs must be positive, got " + amount);
        }
        List<String> command = new ArrayList<>(List.of(script.toString(), Long.toString(amount)));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("GPU discovery script " + script + " did not finish within " + TIMEOUT.toSeconds() + " s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.exitValue() != 0) {
            throw new IOException("GPU discovery script " + script + " exited with " + process.exitValue() + ": " + output);
        }
        Set<GpuIndex> gpus = parse(output, amount);
        LOG.info("GPU discovery script {} found {}", script, gpus.isEmpty() ? "no GPU" : gpus);
        return gpus;
    }

    /** The indexes of the script's last line (comma-separated, at most {@code amount}); none for an empty output. */
    static Set<GpuIndex> parse(String output, long amount) throws IOException {
        Set<GpuIndex> gpus = new LinkedHashSet<>();
        String last = output.isBlank() ? "" : output.lines().reduce((a, b) -> b).orElse("").trim();
        if (last.isEmpty()) {
            return gpus;
        }
        for (String part : last.split(",")) {
            String index = part.trim();
            if (!index.matches("\\d+")) {
                throw new IOException("the GPU discovery script printed '" + last + "', not comma-separated indexes");
            }
            if (gpus.size() < amount) {
                gpus.add(new GpuIndex(index));
            }
        }
        return gpus;
    }

    static void requireExecutable(Path script) throws IOException {
        if (!Files.isRegularFile(script) || !Files.isExecutable(script)) {
            throw new IOException("GPU discovery script " + script + " is not an executable file");
        }
    }
}
