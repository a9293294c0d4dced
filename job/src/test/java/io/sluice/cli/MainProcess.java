package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link SluiceCli}'s real {@code main} in a fresh JVM (as the launcher does), for what an in-process
 * run cannot show: the exit status of {@code System.exit}, stdout on a device, stdin as a pipe, heap limits.
 */
final class MainProcess {

    /** What the process left: its exit status, stdout (unless redirected) and stderr. */
    record Result(int exitCode, String stdout, String stderr) {
        /** Stderr without the JVM's incubator-module warning, which the launcher keeps off the screen. */
        List<String> errorLines() {
            return stderr.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        }
    }

    private final List<String> jvmOptions = new ArrayList<>();
    private File stdoutTo;
    private byte[] stdin;

    MainProcess jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    MainProcess stdoutTo(File file) {
        stdoutTo = file;
        return this;
    }

    MainProcess stdin(byte[] bytes) {
        stdin = bytes;
        return this;
    }

    Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-modules");
        command.add("jdk.incubator.vector");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SluiceCli.class.getName());
        command.addAll(List.of(args));
        Path out = dir.resolve("main-process.out");
        Path err = dir.resolve("main-process.err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectOutput(stdoutTo != null ? stdoutTo : out.toFile());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process did not finish in time");
        String stdout = stdoutTo != null ? "" : Files.readString(out, StandardCharsets.UTF_8);
        return new Result(p.exitValue(), stdout, Files.readString(err, StandardCharsets.UTF_8));
    }
}
