package io.sluice.cli;

import io.sluice.job.JobConfig;
import io.sluice.job.JobConfigLoader;
import io.sluice.job.Preflight;
import io.sluice.job.SluiceJob;
import io.sluice.job.local.LocalKafka;
import io.sluice.job.local.ResultReader;
import io.sluice.job.local.SamplePrompts;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice demo}: the whole product on one machine. Starts a Kafka broker (KRaft, in this process),
 * creates the topics, produces the sample prompts of {@code conf/} (a few deliberately bad), runs the job
 * on a local Flink cluster with the bundled model (exactly once), prints each completion and dead letter as
 * a read_committed consumer sees it, and ends with
 * {@code demo: R requests, C completions, D dead letters, T tokens/s}. With {@code --cluster} the job runs on a
 * Flink session cluster of separate JVMs instead, survives the kill -9 of a TaskManager, and the summary adds
 * {@code , L lost, D duplicated} ({@link ClusterDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the job end to end on an in-process Kafka broker and local Flink with the sample prompts.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "models/shakespeare.gguf", paramLabel = "GGUF",
            description = "Model file (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--prompts", defaultValue = "conf/prompts.jsonl", paramLabel = "JSONL",
            description = "PromptRequest objects to produce (default: ${DEFAULT-VALUE}).")
    Path prompts;

    @Option(names = "--bad-prompts", defaultValue = "conf/bad-prompts.jsonl", paramLabel = "JSONL",
            description = "Deliberately bad records to produce (default: ${DEFAULT-VALUE}).")
    Path badPrompts;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a job setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--cluster",
            description = "Run on a Flink session cluster of separate JVMs (a JobManager, two TaskManagers) started here, "
                    + "submit the job jar over REST, kill -9 a TaskManager mid-stream and count lost and duplicated results.")
    boolean cluster;

    @Option(names = "--job-jar", defaultValue = "job/target/sluice-job.jar", paramLabel = "JAR",
            description = "With --cluster: the job jar to submit (default: ${DEFAULT-VALUE}).")
    Path jobJar;

    @Option(names = "--flink-conf", defaultValue = "conf/flink", paramLabel = "DIR",
            description = "With --cluster: the Flink configuration the cluster starts from (default: ${DEFAULT-VALUE}).")
    Path flinkConf;

    @Override
    public Integer call() throws Exception {
        if (timeoutSeconds < 1) {
            throw new UserError("--timeout must be >= 1 second, got " + timeoutSeconds);
        }
        Path modelFile = HomePaths.requireFile(model, "model file");
        SamplePrompts.Records records = SamplePrompts.load(HomePaths.requireFile(prompts, "prompts file"),
                badPrompts == null ? null : HomePaths.requireFile(badPrompts, "bad prompts file"));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> settings = new ArrayList<>(List.of(
                "kafka.input-topic=demo-prompts",
                "kafka.output-topic=demo-completions",
                "kafka.dead-letter-topic=demo-dead-letters",
                "kafka.group-id=sluice-demo",
                "kafka.transactional-id-prefix=sluice-demo",
                "kafka.stop-at-latest=true",
                "model.path=" + modelFile.toAbsolutePath(),
                "checkpoint-interval-ms=500",
                "delivery=exactly-once"));
        if (cluster) {
            settings.addAll(ClusterDemo.settings());
        }
        settings.addAll(overrides);
        // Everything but the broker's address can be checked before a broker starts: the settings, the model
        // and its KV budget, so that a broken model is reported at once.
        List<String> beforeBroker = new ArrayList<>(settings);
        beforeBroker.add(0, "kafka.bootstrap-servers=localhost:9092");
        Preflight.check(JobConfigLoader.load(null, beforeBroker));
        if (cluster) {
            return runOnCluster(settings, records, out, err);
        }
        err.println("demo: starting a Kafka broker and a local Flink cluster ...");
        try (LocalKafka kafka = LocalKafka.start()) {
            settings.add(0, "kafka.bootstrap-servers=" + kafka.bootstrapServers());
            JobConfig config = JobConfigLoader.load(null, settings);
            kafka.createTopics(Map.of(config.kafka().inputTopic(), 2, config.kafka().outputTopic(), 2,
                    config.kafka().deadLetterTopic(), 1));
            produce(kafka, config.kafka().inputTopic(), records.values());
            err.printf("demo: produced %d prompts (%d deliberately bad) to %s%n", records.total(), records.bad(),
                    config.kafka().inputTopic());

            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(new Configuration());
            SluiceJob.build(env, config);
            JobClient job = env.executeAsync(SluiceJob.jobName(config));
            Tally tally = new Tally();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            try (ResultReader reader = new ResultReader(kafka.bootstrapServers(), config.kafka().outputTopic(),
                    config.kafka().deadLetterTopic(), config.kafka().outputTopicFormat(),
                    config.schemaRegistry().settings())) {
                int quietPollsAfterEnd = 0;
                while (tally.count() < records.total() && quietPollsAfterEnd < 3) {
                    if (System.nanoTime() > deadline) {
                        job.cancel();
                        throw new IllegalStateException("demo: timed out after " + timeoutSeconds + " s with "
                                + tally.count() + " of " + records.total() + " results");
                    }
                    boolean ended = job.getJobStatus().get().isGloballyTerminalState();
                    if (ended && job.getJobStatus().get() == JobStatus.FAILED) {
                        try {
                            job.getJobExecutionResult().get(1, TimeUnit.MINUTES);
                        } catch (ExecutionException e) {
                            throw JobFailures.of(e);
                        }
                    }
                    List<ResultReader.Result> results = reader.poll(Duration.ofMillis(200));
                    for (ResultReader.Result r : results) {
                        tally.add(r);
                        print(out, r);
                    }
                    out.flush();
                    quietPollsAfterEnd = ended && results.isEmpty() ? quietPollsAfterEnd + 1 : 0;
                }
            }
            try {
                job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                throw JobFailures.of(e);
            }
            out.printf(Locale.ROOT, "demo: %d requests, %d completions, %d dead letters, %.1f tokens/s%n",
                    records.total(), tally.completions, tally.deadLetters, tally.tokensPerSecond());
            out.flush();
            if (tally.count() != records.total()) {
                err.println("demo: the job ended with " + tally.count() + " of " + records.total() + " results");
                return 1;
            }
        }
        return 0;
    }

    private int runOnCluster(List<String> settings, SamplePrompts.Records records, PrintWriter out, PrintWriter err)
            throws Exception {
        Path jar = HomePaths.resolve(jobJar);
        if (!java.nio.file.Files.isRegularFile(jar)) {
            throw new UserError("no such job jar: " + jobJar + " (build it with: mvn -DskipTests package -pl job -am)");
        }
        Path confDir = HomePaths.resolve(flinkConf);
        if (!java.nio.file.Files.isRegularFile(confDir.resolve("config.yaml"))) {
            throw new UserError("no config.yaml in the Flink configuration directory " + flinkConf);
        }
        Configuration flinkBase = GlobalConfiguration.loadConfiguration(confDir.toString());
        err.println("demo: starting a Kafka broker ...");
        err.flush();
        try (LocalKafka kafka = LocalKafka.start()) {
            List<String> all = new ArrayList<>(settings);
            all.add(0, "kafka.bootstrap-servers=" + kafka.bootstrapServers());
            JobConfig config = JobConfigLoader.load(null, all);
            kafka.createTopics(Map.of(config.kafka().inputTopic(), 2, config.kafka().outputTopic(), 2,
                    config.kafka().deadLetterTopic(), 1));
            // What `flink run sluice-job.jar --set ...` passes to the job's main method.
            List<String> jobArgs = new ArrayList<>();
            for (String setting : all) {
                jobArgs.add("--set");
                jobArgs.add(setting);
            }
            return new ClusterDemo(out, err, timeoutSeconds).run(kafka, config, jobArgs, records.values(),
                    records.good(), flinkBase, jar);
        }
    }

    private static void produce(LocalKafka kafka, String topic, List<byte[]> values) {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, value));
            }
        }
    }

    static void print(PrintWriter out, ResultReader.Result r) {
        if (r.isCompletion()) {
            Completion c = r.completion();
            out.printf(Locale.ROOT, "== %s (%d tokens, %s, %.0f ms)%n", c.getRequestId(),
                    c.getUsage().getCompletionTokens(), c.getFinishReason(), c.getTimings().getTotalMs());
            for (String line : c.getText().split("\n", -1)) {
                out.println("   " + line);
            }
        } else {
            DeadLetter d = r.deadLetter();
            String who = d.getRequestId() != null ? d.getRequestId()
                    : d.getTopic() + "/" + d.getPartition() + "@" + d.getOffset();
            out.printf("!! dead letter %s: %s: %s%n", who, d.getErrorCode(), d.getErrorMessage());
        }
    }

    /** Counts, and the generation rate: completion tokens over the span from the first engine start to the last end. */
    static final class Tally {
        int completions;
        int deadLetters;
        long tokens;
        double firstStart = Double.MAX_VALUE;
        double lastEnd;

        void add(ResultReader.Result r) {
            if (r.isCompletion()) {
                Completion c = r.completion();
                completions++;
                tokens += c.getUsage().getCompletionTokens();
                firstStart = Math.min(firstStart, c.getCreatedAt() - c.getTimings().getTotalMs());
                lastEnd = Math.max(lastEnd, c.getCreatedAt());
            } else {
                deadLetters++;
            }
        }

        int count() {
            return completions + deadLetters;
        }

        double tokensPerSecond() {
            double seconds = (lastEnd - firstStart) / 1000.0;
            return completions == 0 || seconds <= 0 ? 0 : tokens / seconds;
        }
    }
}
