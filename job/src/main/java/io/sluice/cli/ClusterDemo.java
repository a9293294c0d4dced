package io.sluice.cli;

import io.sluice.cluster.ClusterProcess;
import io.sluice.cluster.DeliveryAudit;
import io.sluice.cluster.JobJarSubmission;
import io.sluice.cluster.JobMetrics;
import io.sluice.cluster.LocalSessionCluster;
import io.sluice.cluster.TopicCounter;
import io.sluice.cluster.TopicSnapshot;
import io.sluice.job.JobConfig;
import io.sluice.job.SluiceJob;
import io.sluice.job.local.LocalKafka;
import io.sluice.job.local.ResultReader;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code sluice demo --cluster}: the demo on a Flink session cluster of separate JVMs (a JobManager and two
 * TaskManagers) that it starts on this machine, with the job jar submitted over REST as {@code flink run} submits
 * it, at parallelism 2 (one subtask per TaskManager). Checkpoints are taken on demand, as {@code flink checkpoint}
 * takes them, so that the kill -9 of a TaskManager lands while completions are written but not yet committed; a
 * replacement TaskManager takes its place, and a read_committed reading of the output topics shows every request
 * answered exactly once: the summary line ends with {@code , L lost, D duplicated}.
 */
final class ClusterDemo {
    static final int TASK_MANAGERS = 2;
    /** Effectively no periodic checkpoint: the demo triggers them (the transaction timeout must stay longer). */
    static final long CHECKPOINT_INTERVAL_MS = 300_000;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final PrintWriter out;
    private final PrintWriter err;
    private final long deadline;
    private boolean devicesReported;

    ClusterDemo(PrintWriter out, PrintWriter err, long timeoutSeconds) {
        this.out = out;
        this.err = err;
        this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    /** Settings the cluster run adds to the demo's (before the user's overrides). */
    static List<String> settings() {
        return List.of("parallelism=" + TASK_MANAGERS,
                "checkpoint-interval-ms=" + CHECKPOINT_INTERVAL_MS,
                // Two requests at a time per subtask: completions arrive one after another, and the kill lands
                // while some are written and others still being generated.
                "micro-batch.max-requests=2",
                "inference.max-in-flight-requests=2",
                "flink.restart-strategy.type=fixed-delay",
                "flink.restart-strategy.fixed-delay.attempts=20",
                "flink.restart-strategy.fixed-delay.delay=1 s");
    }

    int run(LocalKafka kafka, JobConfig config, List<String> jobArgs, List<byte[]> records, int goodRecords,
            Configuration flinkBase, Path jobJar) throws Exception {
        if (config.kafka().outputTopicFormat() != TopicFormat.AVRO) {
            throw new UserError("demo --cluster checks its output in Avro: kafka.output-format must be avro");
        }
        String input = config.kafka().inputTopic();
        List<DeliveryAudit.Input> inputs = produce(kafka, input, records);
        err.printf("demo: produced %d records to %s%n", inputs.size(), input);
        err.printf("demo: starting a Flink session cluster: a JobManager and %d TaskManagers, each its own JVM ...%n",
                TASK_MANAGERS);
        err.flush();
        boolean succeeded = false;
        LocalSessionCluster cluster = LocalSessionCluster.start(flinkBase, System.getProperty("java.class.path"),
                TASK_MANAGERS);
        try (cluster) {
            try {
                cluster.awaitTaskManagers(TASK_MANAGERS, START_TIMEOUT);
                if (!cluster.dashboardServes()) {
                    throw new LocalSessionCluster.ClusterException("the JobManager does not serve Flink's dashboard at "
                            + cluster.dashboardUrl());
                }
                err.printf("demo: %s, %s%n", cluster.jobManager(), cluster.taskManagers().stream()
                        .map(ClusterProcess::toString).collect(Collectors.joining(", ")));
                err.printf("demo: Flink dashboard at %s%n", cluster.dashboardUrl());
                err.flush();
                try (RestClusterClient<String> client = cluster.restClient()) {
                    JobID job = JobJarSubmission.submit(client, cluster.clientConfiguration(), jobJar,
                            SluiceJob.class.getName(), jobArgs, SluiceJob.jobName(config));
                    err.printf("demo: submitted %s as job %s, parallelism %d (one subtask per TaskManager)%n",
                            jobJar.getFileName(), job, config.parallelism());
                    err.flush();
                    killWhileUncommitted(cluster, client, job, config, Math.max(1, Math.min(4, goodRecords / 3)));
                    DemoCommand.Tally tally = streamCommitted(cluster, client, job, config, records.size());
                    succeeded = summarize(kafka, config, inputs, tally);
                }
            } finally {
                if (!succeeded) {
                    // before the cluster closes, which would delete them
                    cluster.keepFiles();
                    err.printf("demo: the cluster's logs are in %s%n", cluster.runDir().resolve("log"));
                    err.flush();
                }
            }
        }
        return succeeded ? 0 : 1;
    }

    /** Waits until {@code written} completions are on the topic uncommitted, then kills a TaskManager and replaces it. */
    private void killWhileUncommitted(LocalSessionCluster cluster, RestClusterClient<String> client, JobID job,
                                      JobConfig config, int written) throws Exception {
        Properties kafka = clientProperties(config);
        String topic = config.kafka().outputTopic();
        try (TopicCounter uncommitted = new TopicCounter(kafka, topic)) {
            while (uncommitted.poll(Duration.ofMillis(100)) < written) {
                checkProgress(cluster, client, job, "waiting for the first completions");
                reportDevices(cluster, job);
            }
        }
        int committed = TopicSnapshot.read(kafka, topic, true).size();
        int uncommitted = TopicSnapshot.read(kafka, topic, false).size();
        List<ClusterProcess> alive = cluster.taskManagers();
        ClusterProcess victim = cluster.killTaskManager(alive.size() - 1);
        err.printf("demo: kill -9 %s: %d completions written, %d of them committed%n", victim, uncommitted, committed);
        ClusterProcess replacement = cluster.startTaskManager();
        err.printf("demo: started %s in its place%n", replacement);
        err.flush();
    }

    /**
     * Triggers checkpoints (which commit the Kafka transactions) until the job has finished, printing each
     * completion and dead letter as a read_committed consumer receives it.
     */
    private DemoCommand.Tally streamCommitted(LocalSessionCluster cluster, RestClusterClient<String> client, JobID job,
                                              JobConfig config, int total) throws Exception {
        DemoCommand.Tally tally = new DemoCommand.Tally();
        CompletableFuture<Long> checkpoint = CompletableFuture.completedFuture(0L);
        long lastTrigger = 0;
        try (ResultReader reader = new ResultReader(config.kafka().bootstrapServers(), config.kafka().outputTopic(),
                config.kafka().deadLetterTopic())) {
            int quietPollsAfterEnd = 0;
            boolean finished = false;
            while (!(finished && (tally.count() >= total || quietPollsAfterEnd >= 3))) {
                finished = checkProgress(cluster, client, job, "with " + tally.count() + " of " + total + " results");
                if (!finished && checkpoint.isDone() && System.nanoTime() - lastTrigger > TimeUnit.SECONDS.toNanos(1)) {
                    // As `flink checkpoint JOB_ID`; refused while the job restarts, then tried again.
                    checkpoint = client.triggerCheckpoint(job, CheckpointType.DEFAULT);
                    lastTrigger = System.nanoTime();
                }
                if (!finished) {
                    reportDevices(cluster, job);
                }
                List<ResultReader.Result> results = reader.poll(Duration.ofMillis(200));
                for (ResultReader.Result r : results) {
                    tally.add(r);
                    DemoCommand.print(out, r);
                }
                out.flush();
                quietPollsAfterEnd = finished && results.isEmpty() ? quietPollsAfterEnd + 1 : 0;
            }
        }
        return tally;
    }

    /**
     * Once: where the inference subtasks run, from their {@code backendGpu} gauge (1 on a GPU, 0 on the CPU) as the
     * JobManager's REST API shows it. The TaskManagers declare the {@code gpu} resource; its discovery script finds
     * the GPUs, none on a machine without, and then each subtask falls back to the CPU.
     */
    private void reportDevices(LocalSessionCluster cluster, JobID job) {
        if (devicesReported) {
            return;
        }
        Optional<Map<Integer, Double>> gauges = JobMetrics.perSubtask(cluster, job, "inference", "sluice.backendGpu");
        if (gauges.isEmpty()) {
            return;
        }
        devicesReported = true;
        String each = gauges.get().entrySet().stream().map(e -> "subtask " + e.getKey() + ": "
                + (e.getValue() > 0 ? "GPU" : "CPU")).collect(Collectors.joining(", "));
        boolean anyGpu = gauges.get().values().stream().anyMatch(v -> v > 0);
        err.printf("demo: inference devices (backendGpu gauge) %s%s%n", each,
                anyGpu ? "" : " (the gpu resource's discovery script found no GPU: CPU fallback)");
        err.flush();
    }

    /** True once the job has finished; fails on a failed job, a lost process or the demo's timeout. */
    private boolean checkProgress(LocalSessionCluster cluster, RestClusterClient<String> client, JobID job,
                                  String doing) throws Exception {
        cluster.requireAlive();
        JobStatus status = client.getJobStatus(job).get(1, TimeUnit.MINUTES);
        if (status == JobStatus.FAILED || status == JobStatus.CANCELED) {
            JobResult result = client.requestJobResult(job).get(1, TimeUnit.MINUTES);
            throw result.getSerializedThrowable().<RuntimeException>map(JobFailures::of)
                    .orElseGet(() -> new IllegalStateException("the job ended " + status));
        }
        if (System.nanoTime() > deadline) {
            client.cancel(job);
            throw new IllegalStateException("demo: timed out " + doing);
        }
        return status == JobStatus.FINISHED;
    }

    /** Prints the summary from a read_committed reading of both topics; true when each record has one result. */
    private boolean summarize(LocalKafka kafka, JobConfig config, List<DeliveryAudit.Input> inputs,
                              DemoCommand.Tally streamed) {
        Properties p = clientProperties(config);
        List<Completion> completions = decode(TopicSnapshot.read(p, config.kafka().outputTopic(), true),
                AvroCodec.COMPLETION);
        List<DeadLetter> deadLetters = decode(TopicSnapshot.read(p, config.kafka().deadLetterTopic(), true),
                AvroCodec.DEAD_LETTER);
        DeliveryAudit.Outcome outcome = DeliveryAudit.audit(inputs, completions, deadLetters);
        out.printf(Locale.ROOT, "demo: %d requests, %d completions, %d dead letters, %.1f tokens/s, %d lost, %d duplicated%n",
                inputs.size(), completions.size(), deadLetters.size(), streamed.tokensPerSecond(), outcome.lost(),
                outcome.duplicated());
        out.flush();
        if (outcome.unknown() > 0) {
            err.printf("demo: %d results answer no record the demo produced%n", outcome.unknown());
        }
        return outcome.exactlyOnce();
    }

    private static List<DeliveryAudit.Input> produce(LocalKafka kafka, String topic, List<byte[]> values)
            throws Exception {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (byte[] value : values) {
                CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
                producer.send(new ProducerRecord<>(topic, value), (m, e) -> {
                    if (e != null) {
                        f.completeExceptionally(e);
                    } else {
                        f.complete(m);
                    }
                });
                sent.add(f);
            }
        }
        List<DeliveryAudit.Input> inputs = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            RecordMetadata m = sent.get(i).get(30, TimeUnit.SECONDS);
            inputs.add(new DeliveryAudit.Input(topic, m.partition(), m.offset(), requestId(values.get(i))));
        }
        return inputs;
    }

    private static String requestId(byte[] value) {
        try {
            PromptRequest request = AvroCodec.PROMPT_REQUEST.decode(value);
            return request.getRequestId();
        } catch (RecordDecodeException | RuntimeException notARequest) {
            return null;
        }
    }

    private static Properties clientProperties(JobConfig config) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        return p;
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> decode(List<byte[]> values,
                                                                                          AvroCodec<T> codec) {
        List<T> records = new ArrayList<>();
        for (byte[] v : values) {
            try {
                records.add(codec.decode(v));
            } catch (RecordDecodeException e) {
                throw new IllegalStateException("the job wrote an unreadable record: " + e.getMessage());
            }
        }
        return records;
    }
}
