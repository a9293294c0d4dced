package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host runs of the CUDA kernels' code: src/test/cuda/NAME.cpp compiled by g++ (no fused multiply-adds but
 * those written), and tools found on the PATH.
 */
final class HostChecks {

    private HostChecks() {
    }

    /** Compiles src/test/cuda/{@code name}.cpp into {@code dir}; skips the test where g++ is missing. */
    static Path compile(Path dir, String name) throws IOException, InterruptedException {
        assumeTrue(onPath("g++"), "g++ not on the PATH: cannot compile the host check " + name);
        Path binary = dir.resolve(name);
        run(List.of("g++", "-std=c++17", "-O1", "-ffp-contract=off", "-o", binary.toString(),
                Path.of("src/test/cuda/" + name + ".cpp").toAbsolutePath().toString()));
        return binary;
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code command}; fails the test with its output when it exits non-zero or takes over two minutes. */
    static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        assertEquals(0, p.exitValue(), command + " failed:\n" + output);
    }
}
