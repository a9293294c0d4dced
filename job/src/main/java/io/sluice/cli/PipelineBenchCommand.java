package io.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.job.JobConfig;
import io.sluice.job.JobConfigLoader;
import io.sluice.job.Preflight;
import io.sluice.job.SluiceJob;
import io.sluice.job.local.LocalKafka;
import io.sluice.job.local.ResultReader;
import io.sluice.model.LlamaModel;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.SamplingParameters;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
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
 * {@code sluice pipeline-bench}: throughput and latency through the whole pipeline — an in-process Kafka
 * broker, a local Flink cluster, the job with the CPU engine. After a warm-up (model loaded, code compiled)
 * it produces N requests of random prompt ids at once and reads the results as a consumer does. Reports
 * completions/s and tokens/s over the span from the first produce to the last result, and percentiles of
 * the micro-batch wait, time to first token and end-to-end latency (produce → consumer). Compare with
 * {@code sluice bench} at the same concurrency ({@code --max-in-flight}). With exactly-once delivery the
 * results become visible at checkpoints: give the run enough requests that one checkpoint interval is small
 * against it.
 */
@Command(name = "pipeline-bench", mixinStandardHelpOptions = true,
        description = "Measure throughput and latency through Kafka, Flink and the engine.")
final class PipelineBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "models/shakespeare.gguf", description = "GGUF model (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--requests", defaultValue = "256", description = "Measured requests (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--warmup", defaultValue = "32", description = "Warm-up requests first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--prompt-len", defaultValue = "32", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--gen-len", defaultValue = "64", description = "max_tokens per request (default: ${DEFAULT-VALUE}).")
    int genLen;

    @Option(names = "--max-in-flight", defaultValue = "32",
            description = "Requests in the engine at once, and its max sequences (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--batch", defaultValue = "16", description = "Micro-batch max requests (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--batch-wait-ms", defaultValue = "20", description = "Micro-batch max wait (default: ${DEFAULT-VALUE}).")
    long batchWaitMs;

    @Option(names = "--delivery", defaultValue = "exactly-once",
            description = "exactly-once, at-least-once or none (default: ${DEFAULT-VALUE}).")
    String delivery;

    @Option(names = "--checkpoint-ms", defaultValue = "1000", description = "Checkpoint interval (default: ${DEFAULT-VALUE}).")
    long checkpointMs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a job setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!List.of("exactly-once", "at-least-once", "none").contains(delivery)) {
            throw new UserError("--delivery must be exactly-once, at-least-once or none, got " + delivery);
        }
        Path modelFile = HomePaths.requireFile(model, "model file");
        if (requests < 1 || warmup < 0 || promptLen < 1 || genLen < 1) {
            throw new UserError("--requests, --prompt-len and --gen-len must be >= 1 and --warmup >= 0");
        }
        int vocab;
        try (LlamaModel m = LlamaModel.load(modelFile)) {
            vocab = m.config().vocabSize();
            if (promptLen + genLen > m.config().contextLength()) {
                throw new UserError("--prompt-len + --gen-len exceeds the model's context of "
                        + m.config().contextLength());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        List<String> settings = new ArrayList<>(List.of(
                "kafka.input-topic=bench-prompts", "kafka.output-topic=bench-completions",
                "kafka.dead-letter-topic=bench-dead-letters", "kafka.group-id=sluice-bench",
                "kafka.transactional-id-prefix=sluice-bench",
                "model.path=" + modelFile.toAbsolutePath(),
                "model.max-sequences=" + maxInFlight,
                "inference.max-in-flight-requests=" + maxInFlight,
                "micro-batch.max-requests=" + batch,
                "micro-batch.max-wait-ms=" + batchWaitMs,
                "delivery=" + delivery,
                "checkpoint-interval-ms=" + checkpointMs,
                "limits.max-tokens=" + Math.max(genLen, 1)));
        settings.addAll(overrides);
        // Validate every setting (--delivery, --set ...) and the KV budget before a broker starts.
        List<String> beforeBroker = new ArrayList<>(settings);
        beforeBroker.add(0, "kafka.bootstrap-servers=localhost:9092");
        Preflight.checkModel(JobConfigLoader.load(null, beforeBroker));
        try (LocalKafka kafka = LocalKafka.start()) {
            settings.add(0, "kafka.bootstrap-servers=" + kafka.bootstrapServers());
            JobConfig config = JobConfigLoader.load(null, settings);
            kafka.createTopics(Map.of(config.kafka().inputTopic(), 1, config.kafka().outputTopic(), 1,
                    config.kafka().deadLetterTopic(), 1));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(new Configuration());
            SluiceJob.build(env, config);
            JobClient job = env.executeAsync(SluiceJob.jobName(config));
            Random random = new Random(seed);
            try (ResultReader reader = new ResultReader(kafka.bootstrapServers(), config.kafka().outputTopic(),
                    config.kafka().deadLetterTopic(), config.kafka().outputTopicFormat(),
                    config.schemaRegistry().settings());
                 KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                if (warmup > 0) {
                    err.printf("pipeline-bench: warming up with %d requests ...%n", warmup);
                    send(producer, config, "warmup-", warmup, random, vocab);
                    collect(reader, warmup, job);
                }
                err.printf("pipeline-bench: %d requests ...%n", requests);
                long start = System.currentTimeMillis();
                send(producer, config, "bench-", requests, random, vocab);
                List<ResultReader.Result> results = collect(reader, requests, job);
                report(results, start, config);
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
        return 0;
    }

    private KafkaProducer<byte[], byte[]> producer(LocalKafka kafka) {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p);
    }

    private void send(KafkaProducer<byte[], byte[]> producer, JobConfig config, String prefix, int count,
                      Random random, int vocab) {
        for (int i = 0; i < count; i++) {
            List<Integer> ids = new ArrayList<>(promptLen);
            ids.add(1);
            for (int t = 1; t < promptLen; t++) {
                ids.add(3 + random.nextInt(vocab - 3));
            }
            PromptRequest request = PromptRequest.newBuilder().setRequestId(prefix + i).setPromptIds(ids)
                    .setSampling(SamplingParameters.newBuilder().setMaxTokens(genLen).setTemperature(0f).build())
                    .setCreatedAt(System.currentTimeMillis()).build();
            producer.send(new ProducerRecord<>(config.kafka().inputTopic(), AvroCodec.PROMPT_REQUEST.encode(request)));
        }
        producer.flush();
    }

    private static List<ResultReader.Result> collect(ResultReader reader, int count, JobClient job) throws Exception {
        List<ResultReader.Result> results = new ArrayList<>();
        while (results.size() < count) {
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                try {
                    job.getJobExecutionResult().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw JobFailures.of(e);
                }
                throw new IllegalStateException("the job ended with " + results.size() + " of " + count + " results");
            }
            results.addAll(reader.poll(Duration.ofMillis(100)));
        }
        return results;
    }

    private void report(List<ResultReader.Result> results, long start, JobConfig config) throws Exception {
        int inFlight = config.inferenceSettings().maxInFlightRequests();
        int sequences = config.model().maxSequences();
        List<Completion> completions = results.stream().filter(ResultReader.Result::isCompletion)
                .map(ResultReader.Result::completion).toList();
        long end = results.stream().mapToLong(ResultReader.Result::receivedAt).max().orElse(start);
        double seconds = Math.max(1e-3, (end - start) / 1000.0);
        long tokens = completions.stream().mapToLong(c -> c.getUsage().getCompletionTokens()).sum();
        double[] batchWait = completions.stream().mapToDouble(c -> c.getTimings().getBatchWaitMs()).sorted().toArray();
        double[] ttft = completions.stream().mapToDouble(c -> c.getTimings().getFirstTokenMs()).sorted().toArray();
        Map<String, Long> receivedAt = new java.util.HashMap<>();
        results.stream().filter(ResultReader.Result::isCompletion)
                .forEach(r -> receivedAt.put(r.completion().getRequestId(), r.receivedAt()));
        double[] latency = completions.stream()
                .mapToDouble(c -> receivedAt.get(c.getRequestId()) - c.getRequestCreatedAt()).sorted().toArray();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("requests", requests);
            o.put("completions", completions.size());
            o.put("dead_letters", results.size() - completions.size());
            o.put("prompt_len", promptLen);
            o.put("gen_len", genLen);
            o.put("max_in_flight", inFlight);
            o.put("engine_max_sequences", sequences);
            o.put("micro_batch", config.microBatch().maxRequests());
            o.put("delivery", config.delivery());
            o.put("seconds", seconds);
            o.put("completions_per_s", completions.size() / seconds);
            o.put("tokens_per_s", tokens / seconds);
            percentiles(o.putObject("batch_wait_ms"), batchWait);
            percentiles(o.putObject("ttft_ms"), ttft);
            percentiles(o.putObject("end_to_end_ms"), latency);
            out.println(mapper.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "pipeline-bench: %d requests (prompt %d, max_tokens %d), max in flight %d, "
                            + "engine sequences %d, micro-batch %d / %d ms, %s (checkpoints every %d ms)%n", requests,
                    promptLen, genLen, inFlight, sequences, config.microBatch().maxRequests(),
                    config.microBatch().maxWaitMs(), config.delivery(), config.checkpointIntervalMs());
            out.printf(Locale.ROOT, "  %d completions, %d dead letters in %.2f s: %.1f completions/s, %.1f tokens/s%n",
                    completions.size(), results.size() - completions.size(), seconds, completions.size() / seconds,
                    tokens / seconds);
            out.println("  " + line("micro-batch wait ms", batchWait));
            out.println("  " + line("time to first token ms", ttft));
            out.println("  " + line("end-to-end latency ms", latency));
        }
        out.flush();
    }

    private static void percentiles(ObjectNode o, double[] sorted) {
        o.put("p50", percentile(sorted, 50));
        o.put("p95", percentile(sorted, 95));
        o.put("p99", percentile(sorted, 99));
        o.put("max", sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    private static String line(String what, double[] sorted) {
        return String.format(Locale.ROOT, "%-24s p50 %8.1f  p95 %8.1f  p99 %8.1f  max %8.1f", what,
                percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

}
