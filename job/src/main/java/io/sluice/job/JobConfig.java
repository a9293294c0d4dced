package io.sluice.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.sluice.job.bulk.BulkFileFormat;
import io.sluice.operators.batch.BatchLimits;
import io.sluice.operators.inference.DevicePreference;
import io.sluice.operators.inference.EngineSettings;
import io.sluice.operators.inference.InferenceSettings;
import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.operators.validate.ValidationLimits;
import io.sluice.kv.KvType;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * The job's settings, as in {@code conf/job.yaml} (kebab-case keys; defaults in
 * {@code io/sluice/job/defaults.yaml}). Load with {@link JobConfigLoader}.
 */
public record JobConfig(
        String mode,
        int parallelism,
        String delivery,
        long checkpointIntervalMs,
        Kafka kafka,
        Bulk bulk,
        Model model,
        Limits limits,
        MicroBatch microBatch,
        Inference inference,
        SchemaRegistry schemaRegistry,
        Speculation speculation,
        Map<String, String> flink) implements Serializable {

    public record Kafka(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
                        String format, String outputFormat,
                        String groupId, String startingOffsets, boolean stopAtLatest, String transactionalIdPrefix,
                        long transactionTimeoutMs, Map<String, String> properties) implements Serializable {

        /** The prompt topic's format. */
        public TopicFormat inputFormat() {
            return TopicFormat.of("kafka.format", format);
        }

        /** The format of the completions and dead-letter topics. */
        public TopicFormat outputTopicFormat() {
            return TopicFormat.of("kafka.output-format", outputFormat);
        }

        @Override
        public String toString() {
            return "Kafka[bootstrapServers=" + bootstrapServers + ", inputTopic=" + inputTopic + ", outputTopic="
                    + outputTopic + ", deadLetterTopic=" + deadLetterTopic + ", format=" + format + ", outputFormat="
                    + outputFormat + ", groupId=" + groupId + ", properties=" + maskedProperties() + "]";
        }

        /** What the Kafka clients get, secrets masked: for printing. */
        public Map<String, String> maskedProperties() {
            return masked(properties);
        }
    }

    /** Confluent Schema Registry, for the avro-confluent format. */
    public record SchemaRegistry(String url, String username, String password, String truststore,
                                 String truststorePassword, String keystore, String keystorePassword)
            implements Serializable {

        public RegistrySettings settings() {
            return new RegistrySettings(url, username, password, truststore, truststorePassword, keystore,
                    keystorePassword);
        }

        @Override
        public String toString() {
            return settings().toString();
        }
    }

    /**
     * Files instead of Kafka: {@code format} of the input ({@code auto}: {@code .avro} files are Avro container
     * files of PromptRequest, others JSON lines) and {@code outputFormat} of the completions and dead letters
     * ({@code auto}: the input's).
     */
    public record Bulk(String input, String output, String format, String outputFormat) implements Serializable {

        /** The input's format, from the setting or the input files' extension. */
        public BulkFileFormat inputFileFormat() {
            BulkFileFormat set = BulkFileFormat.parse("bulk.format", format);
            return set != null ? set : BulkFileFormat.detect(input);
        }

        /** The outputs' format, from the setting or the input's. */
        public BulkFileFormat outputFileFormat() {
            BulkFileFormat set = BulkFileFormat.parse("bulk.output-format", outputFormat);
            return set != null ? set : inputFileFormat();
        }
    }

    /**
     * {@code model.*}. {@code kv-type} (f32, f16, q8) is how the KV cache stores keys and values, {@code kv-8bit}
     * its older spelling of q8; {@code devices} ({@code [0, 1]}) pins GPUs and splits the layers over them.
     */
    public record Model(String name, String path, int maxSequences, int maxBatchTokens, int kvBlockSize,
                        long kvCacheBytes, double kvCacheFraction, @JsonProperty("kv-8bit") boolean kv8bit,
                        String kvType, boolean prefixCaching, String draftPath, String device, List<Integer> devices)
            implements Serializable {

        public Model {
            devices = devices == null ? List.of() : List.copyOf(devices);
        }

        /** The KV cache's type: {@code kv-type}, else q8 with {@code kv-8bit}, else the engine's default (f32). */
        public KvType kvCacheType() {
            if (kvType == null || kvType.isBlank()) {
                return kv8bit ? KvType.Q8 : io.sluice.engine.EngineConfig.DEFAULT_KV_TYPE;
            }
            return KvType.parse(kvType);
        }

        /** Where the engines run, as {@link DevicePreference} reads it: the GPUs of {@code devices}, else {@code device}. */
        public String effectiveDevice() {
            return devices.isEmpty() ? device
                    : devices.stream().map(i -> "cuda:" + i).collect(Collectors.joining(","));
        }
    }

    /** Speculative decoding: with {@code model.draft-path}, or by prompt lookup. */
    public record Speculation(boolean promptLookup, int maxDraftTokens, String mode) implements Serializable {
    }

    /**
     * What a request may ask and weigh: larger records are dead letters (REQUEST_TOO_LARGE), and a dead letter
     * keeps at most {@code deadLetterOriginalBytes} of its record (then size and SHA-256, {@code truncated}).
     * The engine gets {@code maxAttempts} tries at a request (a crash of the engine or of the task with the
     * request in it is a try) before it is a dead letter with ENGINE_FAILURE.
     */
    public record Limits(int maxTokens, int maxRequestBytes, int deadLetterOriginalBytes, int maxAttempts)
            implements Serializable {
    }

    /** Kafka's default for the producer's {@code max.request.size}. */
    static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    public record MicroBatch(int maxRequests, int maxPromptTokens, long maxWaitMs) implements Serializable {
    }

    public record Inference(int maxInFlightRequests, long requestTimeoutMs) implements Serializable {
    }

    private long producerMaxRequestSize() {
        String value = kafka.properties().get("max.request.size");
        if (value == null) {
            return DEFAULT_MAX_REQUEST_SIZE;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("kafka.properties.max.request.size must be a number of bytes, got "
                    + value);
        }
    }

    public boolean isBulk() {
        return "bulk".equals(mode);
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return DeliveryGuarantee.valueOf(delivery.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    public ValidationLimits validationLimits() {
        return new ValidationLimits(Set.of(model.name()), limits.maxTokens(), limits.maxRequestBytes());
    }

    public BatchLimits batchLimits() {
        return new BatchLimits(microBatch.maxRequests(), microBatch.maxPromptTokens(), microBatch.maxWaitMs());
    }

    public InferenceSettings inferenceSettings() {
        return new InferenceSettings(model.name(), inference.maxInFlightRequests(), inference.requestTimeoutMs(),
                limits.maxAttempts(), !isBulk());
    }

    public EngineSettings engineSettings() {
        return new EngineSettings(model.path(), model.maxSequences(), model.maxBatchTokens(), model.kvBlockSize(),
                model.kvCacheBytes(), model.kvCacheFraction(), model.kvCacheType(), model.prefixCaching(),
                model.draftPath(), speculation.promptLookup(), speculation.maxDraftTokens(), speculation.mode(),
                model.effectiveDevice());
    }

    /**
     * Checks what the records' types cannot: required keys, allowed values and ranges, each error naming the
     * setting as job.yaml spells it. Throws IllegalArgumentException. Touches no file and no network.
     */
    public JobConfig validate() {
        require("kafka".equals(mode) || "bulk".equals(mode), "mode must be kafka or bulk, got " + mode);
        require(parallelism >= 1, "parallelism must be >= 1, got " + parallelism);
        require(delivery != null && Set.of("exactly-once", "at-least-once", "none").contains(delivery),
                "delivery must be exactly-once, at-least-once or none, got " + delivery);
        require(checkpointIntervalMs >= 10, "checkpoint-interval-ms must be >= 10, got " + checkpointIntervalMs);
        if (isBulk()) {
            require(bulk.input() != null, "bulk.input is missing");
            require(bulk.output() != null, "bulk.output is missing");
            BulkFileFormat.parse("bulk.format", bulk.format());
            BulkFileFormat.parse("bulk.output-format", bulk.outputFormat());
        } else {
            validateKafka();
        }
        require(model.path() != null && !model.path().isBlank(), "model.path is missing");
        require(model.name() != null && !model.name().isBlank(), "model.name is missing");
        try {
            DevicePreference.parse(model.device());
        } catch (IllegalArgumentException e) {
            require(false, "model.device: " + e.getMessage());
        }
        if (!model.devices().isEmpty()) {
            require(Set.of("auto", "cuda").contains(String.valueOf(model.device()).trim().toLowerCase(Locale.ROOT)),
                    "model.devices " + model.devices() + " splits the model over those GPUs; model.device "
                            + model.device() + " contradicts it: leave model.device at auto");
            try {
                DevicePreference.parse(model.effectiveDevice());
            } catch (IllegalArgumentException e) {
                require(false, "model.devices " + model.devices() + ": " + e.getMessage());
            }
        }
        KvType kvType;
        try {
            kvType = model.kvCacheType();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model.kv-type: " + e.getMessage(), e);
        }
        require(!model.kv8bit() || kvType == KvType.Q8, "model.kv-8bit and model.kv-type " + model.kvType()
                + " contradict each other: give one");
        require(model.maxSequences() > 0, "model.max-sequences must be > 0, got " + model.maxSequences());
        require(model.maxBatchTokens() > 0, "model.max-batch-tokens must be > 0, got " + model.maxBatchTokens());
        require(model.kvBlockSize() >= 1 && model.kvBlockSize() <= 4096,
                "model.kv-block-size must be in 1..4096, got " + model.kvBlockSize());
        require(model.kvCacheBytes() >= 0, "model.kv-cache-bytes must be >= 0 (0: use kv-cache-fraction), got "
                + model.kvCacheBytes());
        require(model.kvCacheFraction() > 0 && model.kvCacheFraction() <= 0.9,
                "model.kv-cache-fraction must be in (0, 0.9], got " + model.kvCacheFraction());
        require(limits.maxTokens() >= 1, "limits.max-tokens must be >= 1, got " + limits.maxTokens());
        require(limits.maxRequestBytes() >= 1, "limits.max-request-bytes must be >= 1, got "
                + limits.maxRequestBytes());
        require(limits.maxAttempts() >= 1, "limits.max-attempts must be >= 1, got " + limits.maxAttempts());
        require(limits.deadLetterOriginalBytes() >= 0, "limits.dead-letter-original-bytes must be >= 0, got "
                + limits.deadLetterOriginalBytes());
        require(microBatch.maxRequests() >= 1, "micro-batch.max-requests must be >= 1, got "
                + microBatch.maxRequests());
        require(microBatch.maxPromptTokens() >= 1, "micro-batch.max-prompt-tokens must be >= 1, got "
                + microBatch.maxPromptTokens());
        require(microBatch.maxWaitMs() >= 0, "micro-batch.max-wait-ms must be >= 0, got " + microBatch.maxWaitMs());
        require(inference.maxInFlightRequests() >= 1, "inference.max-in-flight-requests must be >= 1, got "
                + inference.maxInFlightRequests());
        require(inference.requestTimeoutMs() >= 1, "inference.request-timeout-ms must be >= 1, got "
                + inference.requestTimeoutMs());
        require(speculation.maxDraftTokens() >= 1 && speculation.maxDraftTokens() <= 16,
                "speculation.max-draft-tokens must be in 1..16, got " + speculation.maxDraftTokens());
        require(!speculation.promptLookup() || model.draftPath() == null || model.draftPath().isBlank(),
                "speculation.prompt-lookup and model.draft-path are two drafters: choose one");
        require(Set.of("exact", "rejection").contains(String.valueOf(speculation.mode())),
                "speculation.mode must be exact or rejection, got " + speculation.mode());
        validationLimits();
        batchLimits();
        inferenceSettings();
        engineSettings();
        return this;
    }

    private void validateKafka() {
        require(isSet(kafka.bootstrapServers()), "kafka.bootstrap-servers is missing");
        BootstrapServers.check("kafka.bootstrap-servers", kafka.bootstrapServers());
        require(isSet(kafka.inputTopic()), "kafka.input-topic is missing");
        require(isSet(kafka.outputTopic()), "kafka.output-topic is missing");
        require(isSet(kafka.deadLetterTopic()), "kafka.dead-letter-topic is missing");
        require(isSet(kafka.groupId()), "kafka.group-id is missing");
        require(isSet(kafka.transactionalIdPrefix()), "kafka.transactional-id-prefix is missing");
        require(kafka.startingOffsets() != null
                && Set.of("committed", "earliest", "latest").contains(kafka.startingOffsets()),
                "kafka.starting-offsets must be committed, earliest or latest, got " + kafka.startingOffsets());
        require(kafka.transactionTimeoutMs() > 0, "kafka.transaction-timeout-ms must be > 0");
        // The broker aborts a transaction that outlives its timeout, so one still waiting for its
        // checkpoint to complete would be lost.
        require(!"exactly-once".equals(delivery) || kafka.transactionTimeoutMs() > checkpointIntervalMs,
                "kafka.transaction-timeout-ms (" + kafka.transactionTimeoutMs()
                        + ") must be longer than checkpoint-interval-ms (" + checkpointIntervalMs
                        + ") for exactly-once delivery");
        // A completion carries the request's attributes and a dead letter part of its record: together at most
        // half of what the producer may send, the other half for generated text, token ids and messages.
        long maxRequestSize = producerMaxRequestSize();
        require(2L * ((long) limits.maxRequestBytes() + limits.deadLetterOriginalBytes()) <= maxRequestSize,
                "limits.max-request-bytes (" + limits.maxRequestBytes() + ") + limits.dead-letter-original-bytes ("
                        + limits.deadLetterOriginalBytes() + ") must be at most half of the producer's"
                        + " max.request.size (" + maxRequestSize + "; kafka.properties.max.request.size)");
        String isolation = kafka.properties().get("isolation.level");
        // The source reads read_committed so that records of aborted producer transactions are never served;
        // a user's value would silently replace it.
        require(isolation == null || "read_committed".equals(isolation),
                "kafka.properties.isolation.level must be read_committed (records of aborted transactions are "
                        + "not requests), got " + isolation);
        TopicFormat in = kafka.inputFormat();
        TopicFormat out = kafka.outputTopicFormat();
        if (in == TopicFormat.AVRO_CONFLUENT || out == TopicFormat.AVRO_CONFLUENT) {
            require(schemaRegistry.settings().hasUrl(), (in == TopicFormat.AVRO_CONFLUENT ? "kafka.format"
                    : "kafka.output-format") + " avro-confluent needs schema-registry.url");
        }
        if (schemaRegistry.settings().hasUrl()) {
            schemaRegistry.settings().baseUri();
        }
    }

    /** Whether a client property holds a secret (passwords, JAAS configurations, keys, tokens). */
    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("credentials")
                || k.contains("token") || k.contains("user.info") || k.contains("apikey") || k.contains("api-key")) {
            return true;
        }
        // A key as a later part of the name (ssl.keystore.key, fs.azure.account.key.NAME, s3.access-key), not
        // Kafka's key.serializer.
        String[] parts = k.split("[.\\-_]");
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].equals("key")) {
                return true;
            }
        }
        return false;
    }

    /** A copy of settings with the values of secret keys masked, sorted by key: for printing and logging. */
    static Map<String, String> masked(Map<String, String> settings) {
        Map<String, String> masked = new TreeMap<>();
        settings.forEach((k, v) -> masked.put(k, isSecret(k) ? RegistrySettings.mask(v) : v));
        return masked;
    }

    /** The effective settings as YAML, secrets masked (never the records' own toString, which would show them). */
    @Override
    public String toString() {
        return JobConfigLoader.toMaskedYaml(this);
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
