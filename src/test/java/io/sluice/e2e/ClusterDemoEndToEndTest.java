package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.cli.SluiceCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice demo --cluster} as a user runs it: a JobManager and two TaskManagers in JVMs of their own, the job
 * jar (job/target/sluice-job.jar, built by the job module's package phase) submitted over REST at parallelism 2,
 * one TaskManager killed with kill -9 while the completions it wrote are not yet committed, a replacement started,
 * and a read_committed reading that finds every record answered exactly once. Everything the demo started is gone
 * when it returns.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ClusterDemoEndToEndTest {
    private static final Pattern SUMMARY = Pattern.compile(
            "demo: (\\d+) requests, (\\d+) completions, (\\d+) dead letters, \\d+\\.\\d tokens/s, (\\d+) lost, (\\d+) duplicated");
    private static final Pattern KILL = Pattern.compile(
            "demo: kill -9 TaskManager \\d \\(pid \\d+\\): (\\d+) completions written, (\\d+) of them committed");
    private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

    @Test
    void theJobSurvivesTheKillOfATaskManagerProcessWithoutLosingOrDuplicatingAResult(@TempDir Path dir)
            throws Exception {
        // Six short prompts and the demo's bad records keep the run short on a loaded machine.
        Path prompts = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add("{\"request_id\": \"cluster-" + i + "\", \"prompt\": \"ROMEO:\", \"sampling\": {\"max_tokens\": 12, "
                    + "\"temperature\": 0.8, \"seed\": " + i + "}}");
        }
        Files.write(prompts, lines);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setProperty("sluice.home", TestPaths.root().toString());
        int status;
        try {
            status = SluiceCli.execute("demo", "--cluster", "--prompts", prompts.toString(), "--timeout", "420");
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
            System.clearProperty("sluice.home");
        }
        String stdout = out.toString(StandardCharsets.UTF_8);
        String stderr = err.toString(StandardCharsets.UTF_8);
        String both = stderr + "\n" + stdout;
        assertEquals(0, status, both);

        List<String> outLines = stdout.lines().toList();
        Matcher summary = SUMMARY.matcher(outLines.get(outLines.size() - 1));
        assertTrue(summary.matches(), "last line: " + outLines.get(outLines.size() - 1));
        assertEquals(14, Integer.parseInt(summary.group(1)));
        assertEquals(6, Integer.parseInt(summary.group(2)));
        assertEquals(8, Integer.parseInt(summary.group(3)));
        assertEquals(0, Integer.parseInt(summary.group(4)), "lost");
        assertEquals(0, Integer.parseInt(summary.group(5)), "duplicated");

        // The kill came while completions were on the topic in open transactions: nothing committed yet.
        Matcher kill = KILL.matcher(stderr);
        assertTrue(kill.find(), stderr);
        assertTrue(Integer.parseInt(kill.group(1)) >= 1, kill.group());
        assertEquals(0, Integer.parseInt(kill.group(2)), kill.group());
        assertTrue(stderr.contains("demo: started TaskManager 3 (pid "), stderr);
        assertTrue(stderr.matches("(?s).*demo: Flink dashboard at http://localhost:\\d+/\n.*"), stderr);
        // No GPU here: the gpu resource's discovery found none, both subtasks report the CPU fallback.
        assertTrue(stderr.contains("demo: inference devices (backendGpu gauge) subtask 0: CPU, subtask 1: CPU"), stderr);

        Matcher pid = PID.matcher(stderr);
        Set<Long> processes = new TreeSet<>();
        while (pid.find()) {
            processes.add(Long.parseLong(pid.group(1)));
        }
        assertEquals(4, processes.size(), "a JobManager and three TaskManagers: " + stderr);
        for (long id : processes) {
            assertFalse(ProcessHandle.of(id).map(ProcessHandle::isAlive).orElse(false), "pid " + id + " still runs");
        }
    }
}
