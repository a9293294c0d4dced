package io.sluice.cli;

import io.sluice.cluster.LocalDashboard;
import io.sluice.job.JobConfig;
import io.sluice.job.JobConfigLoader;
import io.sluice.job.Preflight;
import io.sluice.job.SluiceJob;
import io.sluice.job.bulk.BulkOutput;
import io.sluice.operators.inference.DevicePreference;
import io.sluice.tensor.ComputeBackends;
import io.sluice.tensor.Device;
import io.sluice.tensor.cuda.CudaUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice run}: the Sluice job in a local Flink cluster inside this process — against the Kafka
 * cluster of the configuration (until stopped), or, with {@code --bulk-input}, over JSONL or Avro files in
 * batch mode (a rerun resumes). Before submitting it checks what can be checked (configuration, model, KV budget, paths, that the
 * brokers answer and the topics exist), each mistake one line and exit 2; {@code --dry-run} stops after the
 * offline checks and prints the effective configuration. To run on a Flink cluster, submit
 * {@code job/target/sluice-job.jar} with {@code flink run}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the Sluice job locally against Kafka (or over JSONL or Avro files with --bulk-input).")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Job configuration (YAML), e.g. conf/job.yaml.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a setting, e.g. --set kafka.bootstrap-servers=broker:9092 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--bulk-input", paramLabel = "FILE|DIR",
            description = "Run the bulk job over this file (or directory) of PromptRequests: JSON lines, or Avro container files (.avro).")
    Path bulkInput;

    @Option(names = "--bulk-output", paramLabel = "DIR",
            description = "Where the bulk job writes completions/ and dead-letters/ (default: sluice-out); a rerun resumes.")
    Path bulkOutput;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "Where the engines run, overriding model.device and model.devices: auto, cpu, cuda, cuda:N,"
                    + " or cuda:N,cuda:M to split the layers over GPUs. A GPU asked for here must be usable on this"
                    + " machine.")
    String device;

    @Option(names = "--dry-run",
            description = "Check the configuration and the model, print the effective configuration (secrets masked) and exit, connecting nowhere.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(overrides);
        if (device != null) {
            checkDevice(device);
            all.add("model.device=" + device);
            all.add("model.devices=[]");
        }
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

        if (job.isBulk()) {
            BulkOutput.Answered earlier = BulkOutput.answered(Path.of(job.bulk().output()));
            if (!earlier.isEmpty()) {
                err.printf("run: resuming: %s already holds %d completions and %d dead letters; their requests"
                        + " are skipped%n", job.bulk().output(), earlier.completions(), earlier.deadLetters());
                err.flush();
            }
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
            BulkOutput.Answered results = BulkOutput.answered(out);
            spec.commandLine().getOut().printf("run: %d completions, %d dead letters in %s%n", results.completions(),
                    results.deadLetters(), out);
        }
        return 0;
    }

    /**
     * The GPUs {@code --device} names must open here (a local run has no other GPUs to fall back on than these):
     * a bad form or an unusable GPU is one line and exit 2. {@code auto} and {@code cpu} need nothing.
     */
    static void checkDevice(String text) {
        DevicePreference preference;
        try {
            preference = DevicePreference.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError("--device: " + e.getMessage());
        }
        if (preference.mode() != DevicePreference.Mode.CUDA) {
            return;
        }
        List<Integer> gpus = preference.split().isEmpty() ? List.of(Math.max(preference.index(), 0))
                : preference.split();
        for (int gpu : gpus) {
            Device d = Device.cuda(gpu);
            try {
                ComputeBackends.open(d);
            } catch (CudaUnavailableException e) {
                throw DeviceOption.unavailable(d, e);
            }
        }
    }
}
