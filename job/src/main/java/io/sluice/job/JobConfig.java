package io.sluice.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.sluice.operators.batch.BatchLimits;
import io.sluice.operators.inference.EngineSettings;
import io.sluice.operators.inference.InferenceSettings;
import io.sluice.operators.validate.ValidationLimits;
import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
        Speculation speculation,
        Map<String, String> flink) implements Serializable {

    public record Kafka(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
                        String groupId, String startingOffsets, boolean stopAtLatest, String transactionalIdPrefix,
                        long transactionTimeoutMs, Map<String, String> properties) implements Serializable {
    }

    public record Bulk(String input, String output) implements Serializable {
    }

    public record Model(String name, String path, int maxSequences, int maxBatchTokens, int kvBlockSize,
                        long kvCacheBytes, double kvCacheFraction, @JsonProperty("kv-8bit") boolean kv8bit,
                        boolean prefixCaching, String draftPath) implements Serializable {
    }

    /** Speculative decoding: with {@code model.draft-path}, or by prompt lookup. */
    public record Speculation(boolean promptLookup, int maxDraftTokens, String mode) implements Serializable {
    }

    public record Limits(int maxTokens) implements Serializable {
    }

    public record MicroBatch(int maxRequests, int maxPromptTokens, long maxWaitMs) implements Serializable {
    }

    public record Inference(int maxInFlightRequests, long requestTimeoutMs) implements Serializable {
    }

    public boolean isBulk() {
        return "bulk".equals(mode);
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return DeliveryGuarantee.valueOf(delivery.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    public ValidationLimits validationLimits() {
        return new ValidationLimits(Set.of(model.name()), limits.maxTokens());
    }

    public BatchLimits batchLimits() {
        return new BatchLimits(microBatch.maxRequests(), microBatch.maxPromptTokens(), microBatch.maxWaitMs());
    }

    public InferenceSettings inferenceSettings() {
        return new InferenceSettings(model.name(), inference.maxInFlightRequests(), inference.requestTimeoutMs());
    }

    public EngineSettings engineSettings() {
        return new EngineSettings(model.path(), model.maxSequences(), model.maxBatchTokens(), model.kvBlockSize(),
                model.kvCacheBytes(), model.kvCacheFraction(), model.kv8bit(), model.prefixCaching(),
                model.draftPath(), speculation.promptLookup(), speculation.maxDraftTokens(), speculation.mode());
    }

    /** Checks what the records' types cannot: required keys and allowed values. Throws IllegalArgumentException. */
    public JobConfig validate() {
        require("kafka".equals(mode) || "bulk".equals(mode), "mode must be kafka or bulk, got " + mode);
        require(parallelism >= 1, "parallelism must be >= 1, got " + parallelism);
        require(delivery != null && Set.of("exactly-once", "at-least-once", "none").contains(delivery),
                "delivery must be exactly-once, at-least-once or none, got " + delivery);
        require(checkpointIntervalMs >= 10, "checkpoint-interval-ms must be >= 10, got " + checkpointIntervalMs);
        if (isBulk()) {
            require(bulk.input() != null, "bulk.input is missing");
            require(bulk.output() != null, "bulk.output is missing");
        } else {
            require(isSet(kafka.bootstrapServers()), "kafka.bootstrap-servers is missing");
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
        }
        require(model.path() != null, "model.path is missing");
        require(model.name() != null && !model.name().isBlank(), "model.name is missing");
        validationLimits();
        batchLimits();
        inferenceSettings();
        engineSettings();
        return this;
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
