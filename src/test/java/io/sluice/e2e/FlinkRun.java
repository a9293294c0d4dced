package io.sluice.e2e;

import io.sluice.cluster.SessionClusterConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code flink run job/target/sluice-job.jar ARGS} as a test does it: {@link FlinkRunLauncher} in a JVM whose
 * class path has Flink but no Sluice, Avro or Kafka classes (the jar must bring them), against its own MiniCluster.
 */
final class FlinkRun {
    /** Class-path entries a Flink cluster does not have (the jar brings them). */
    private static final List<String> NOT_ON_A_CLUSTER = List.of("/io/sluice/", "/schemas/target/",
            "/gpu-runtime/target/", "/operators/target/", "/job/target/", "/org/apache/avro/", "/flink-avro/",
            "/flink-connector-kafka/", "/flink-connector-base/", "/org/apache/kafka/", "/com/fasterxml/jackson/",
            "/org/scala-lang/", "/info/picocli/");

    /** How it ended: whether within the time given, its exit status, and everything it printed. */
    record Result(boolean ended, int status, String output) {
        String tail() {
            return output.length() <= 6000 ? output : output.substring(output.length() - 6000);
        }
    }

    private FlinkRun() {
    }

    /** The job jar the job module's package phase built. */
    static Path jar() {
        return Path.of(System.getProperty("sluice.job.jar", "../../job/target/sluice-job.jar"));
    }

    /** Runs the job jar with these arguments; kills it when it has not ended after {@code seconds}. */
    static Result run(long seconds, List<String> args) throws Exception {
        Path jar = jar();
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("no job jar at " + jar.toAbsolutePath()
                    + ": build it first (mvn -pl job -am package)");
        }
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> NOT_ON_A_CLUSTER.stream().noneMatch(entry.replace('\\', '/')::contains))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(SessionClusterConfig.FLINK_JAVA17_OPTIONS);
        // Sluice's own JVM option (conf/flink/config.yaml: env.java.opts.all).
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xmx1g"));
        command.addAll(List.of("-cp", classPath, FlinkRunLauncher.class.getName(), jar.toAbsolutePath().toString()));
        command.addAll(args);
        Path log = Files.createTempFile("flink-run", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            boolean ended = process.waitFor(seconds, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly().waitFor();
            }
            return new Result(ended, ended ? process.exitValue() : -1, Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
