package io.sluice.cluster;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;

/**
 * The main class of a JobManager or TaskManager JVM that {@link LocalSessionCluster} starts: Flink's own entry
 * point ({@code jobmanager}: {@link StandaloneSessionClusterEntrypoint}, {@code taskmanager}:
 * {@link TaskManagerRunner}, the classes Flink's start scripts run) with its arguments, plus one thing those
 * scripts leave to a service manager: the process ends when the one that started it is gone. Standard input is a
 * pipe from the parent, so it reaches its end when the parent exits — also when it is killed with kill -9 — and
 * then this process shuts down instead of lingering.
 */
public final class ClusterProcessMain {
    /** How long Flink's own shutdown may take once the parent is gone, before the process halts. */
    private static final long SHUTDOWN_GRACE_MS = 15_000;

    private ClusterProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: jobmanager|taskmanager --configDir DIR [-D key=value ...]");
        }
        String[] flinkArgs = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "jobmanager" -> {
                exitWhenParentIsGone();
                StandaloneSessionClusterEntrypoint.main(flinkArgs);
            }
            case "taskmanager" -> {
                exitWhenParentIsGone();
                TaskManagerRunner.main(flinkArgs);
            }
            default -> throw new IllegalArgumentException("unknown role '" + args[0] + "': jobmanager or taskmanager");
        }
    }

    private static void exitWhenParentIsGone() {
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // the parent writes nothing: only the end of the stream matters
                }
            } catch (IOException e) {
                // a broken pipe is the same news
            }
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(SHUTDOWN_GRACE_MS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(1);
            }, "parent-gone-halt");
            halt.setDaemon(true);
            halt.start();
            System.exit(0);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
