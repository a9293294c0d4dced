package io.sluice.cli;

import io.sluice.cluster.LocalDashboard;
import io.sluice.job.JobConfig;
import io.sluice.job.JobConfigLoader;
import io.sluice.job.Preflight;
import io.sluice.job.SluiceJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice run}: the Sluice job in a local Flink cluster inside this process — against the Kafka
 * cluster of the configuration (until stopped), or, with {@code --bulk-input}, over JSONL files in batch
 * mode. Before submitting it checks what can be checked (configuration, model, KV budget, paths, that the
 * brokers answer and the topics exist), each mistake one line and exit 2; {@code --dry-run} stops after the
 * offline checks and prints the effective configuration. To run on a Flink cluster, submit
 * {@code job/target/sluice-job.jar} with {@code flink run}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the Sluice job locally against Kafka (or over JSONL files with --bulk-input).")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Job configuration (YAML), e.g. conf/job.yaml.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a setting, e.g. --set kafka.bootstrap-servers=broker:9092 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--bulk-input", paramLabel = "JSONL",
            description = "Run the bulk job over this JSONL file (or directory) of PromptRequest objects.")
    Path bulkInput;

    @Option(names = "--bulk-output", paramLabel = "DIR",
            description = "Where the bulk job writes completions/ and dead-letters/ (default: sluice-out).")
    Path bulkOutput;

    @Option(names = "--dry-run",
            description = "Check the configuration and the model, print the effective configuration (secrets masked) and exit, connecting nowhere.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(overrides);
        if (bulkInput != null) {
            all.add("mode=bulk");
            all.add("bulk.input=" + bulkInput.toAbsolutePath());
            all.add("bulk.output=" + (bulkOutput == null ? Path.of("sluice-out") : bulkOutput).toAbsolutePath());
        }
        Path configFile = config == null ? null : HomePaths.requireFile(config, "config file");
        JobConfig job = JobConfigLoader.load(configFile, all);
        Path model = HomePaths.resolve(Path.of(job.model().path()));
        all.add("model.path=" + model.toAbsolutePath());
        job = JobConfigLoader.load(configFile, all);
        Preflight.check(job);
        PrintWriter err = spec.commandLine().getErr();
        if (dryRun) {
            spec.commandLine().getOut().print(JobConfigLoader.toMaskedYaml(job));
            spec.commandLine().getOut().flush();
            err.println("run: the configuration is valid (dry run: nothing was connected or started)");
            return 0;
        }
        if (!job.isBulk()) {
            KafkaEndpoint kafka = KafkaEndpoint.forJob(job);
            kafka.describeTopics(List.of(job.kafka().inputTopic(), job.kafka().outputTopic(),
                    job.kafka().deadLetterTopic()));
        }

        LocalDashboard dashboard = LocalDashboard.pick();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(dashboard.configuration());
        SluiceJob.build(env, job);
        err.printf("sluice: Flink dashboard at %s while the job runs%n", dashboard.url());
        if (!job.isBulk()) {
            err.printf("sluice: running %s on %s (Ctrl-C stops it)%n", SluiceJob.jobName(job),
                    job.kafka().bootstrapServers());
            err.flush();
        }
        try {
            env.execute(SluiceJob.jobName(job));
        } catch (Exception e) {
            throw JobFailures.of(e);
        }
        if (job.isBulk()) {
            Path out = Path.of(job.bulk().output());
            spec.commandLine().getOut().printf("run: %d completions, %d dead letters in %s%n",
                    countLines(out.resolve("completions")), countLines(out.resolve("dead-letters")), out);
        }
        return 0;
    }

    /** Lines in the finished part files under a directory (the file sink's in-progress files start with a dot). */
    static long countLines(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                    .mapToLong(f -> {
                        try (Stream<String> lines = Files.lines(f)) {
                            return lines.filter(l -> !l.isBlank()).count();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
