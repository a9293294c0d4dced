package io.sluice.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** One JVM of a {@link LocalSessionCluster}: its name, process and log files. */
public final class ClusterProcess {
    private final String name;
    private final Process process;
    private final Path log;
    private final Path output;

    ClusterProcess(String name, Process process, Path log, Path output) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.output = output;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Flink's log of the process. */
    public Path log() {
        return log;
    }

    /** What the process wrote to standard output and error (a JVM that fails to start says why here). */
    public Path output() {
        return output;
    }

    /** The exit status, once it ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /** kill -9: the process ends at once, without running any of its shutdown code. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** kill -9 without waiting. */
    void killNow() {
        process.destroyForcibly();
    }

    /** Asks the process to stop: closes its standard input (see {@link ClusterProcessMain}) and sends SIGTERM. */
    void requestStop() {
        if (!process.isAlive()) {
            return;
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already closed
        }
        process.destroy();
    }

    /** Waits for the process to end until {@code deadlineNanos} ({@link System#nanoTime()}), then kills it. */
    void awaitStop(long deadlineNanos) throws InterruptedException {
        if (!process.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }
}
