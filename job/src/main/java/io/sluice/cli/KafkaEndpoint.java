package io.sluice.cli;

import io.sluice.job.BrokerCheck;
import io.sluice.job.JobConfig;
import io.sluice.job.JobConfigLoader;
import io.sluice.operators.validate.TopicFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.AuthenticationException;

/**
 * The Kafka side of the produce and consume tools: the job configuration they share with the job (optional
 * {@code --config}, then the flags), client properties, and a check that the broker answers and the topic
 * exists — within seconds, as one line, instead of a client retrying forever.
 */
final class KafkaEndpoint {
    /** How long the broker has to answer before the tools give up. */
    static final int ANSWER_SECONDS = BrokerCheck.ANSWER_SECONDS;

    final JobConfig config;
    final String topic;
    final TopicFormat format;

    private KafkaEndpoint(JobConfig config, String topic, TopicFormat format) {
        this.config = config;
        this.topic = topic;
        this.format = format;
    }

    /**
     * The job configuration with the tools' flags laid over it. With {@code prompts} the topic and format
     * default to the job's prompt topic ({@code kafka.format}), else to its completions topic
     * ({@code kafka.output-format}).
     */
    static KafkaEndpoint of(Path configFile, List<String> sets, String bootstrapServers, String registryUrl,
                            String topic, String format, boolean prompts) {
        if (configFile == null && bootstrapServers == null) {
            throw new UserError("--bootstrap-servers is missing (or give --config with kafka.bootstrap-servers)");
        }
        List<String> overrides = new ArrayList<>(sets);
        if (bootstrapServers != null) {
            overrides.add("kafka.bootstrap-servers=" + bootstrapServers);
        }
        if (registryUrl != null) {
            overrides.add("schema-registry.url=" + registryUrl);
        }
        String formatSetting = prompts ? "kafka.format" : "kafka.output-format";
        if (format != null) {
            if (TopicFormat.of("--format", format) == TopicFormat.AVRO_CONFLUENT && registryUrl == null
                    && configFile == null) {
                throw new UserError("--format avro-confluent needs --schema-registry URL");
            }
            overrides.add(formatSetting + "=" + format);
        }
        Path file = configFile == null ? null : HomePaths.requireFile(configFile, "config file");
        JobConfig config = JobConfigLoader.load(file, overrides);
        String t = topic != null ? topic : prompts ? config.kafka().inputTopic() : config.kafka().outputTopic();
        TopicFormat f = prompts ? config.kafka().inputFormat() : config.kafka().outputTopicFormat();
        return new KafkaEndpoint(config, t, f);
    }

    /** The job's own topics, for the checks of {@code run}. */
    static KafkaEndpoint forJob(JobConfig config) {
        return new KafkaEndpoint(config, config.kafka().inputTopic(), config.kafka().inputFormat());
    }

    String bootstrapServers() {
        return config.kafka().bootstrapServers();
    }

    /** Bootstrap servers, the user's client properties, and timeouts that end in seconds. */
    Properties clientProperties() {
        return BrokerCheck.clientProperties(config.kafka());
    }

    /** The topic's description; a UserError naming the broker or the topic when either is not there. */
    TopicDescription describeTopic() {
        return describeTopics(List.of(topic)).get(topic);
    }

    /** The topics' descriptions; a UserError naming the broker or the first missing topic. */
    Map<String, TopicDescription> describeTopics(List<String> topics) {
        try {
            return BrokerCheck.describeTopics(config.kafka(), topics);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /** A refused login or TLS handshake, naming what the client tried (never a secret). */
    UserError authenticationFailed(AuthenticationException e) {
        return new UserError(BrokerCheck.authenticationFailed(config.kafka(), e));
    }

    UserError unreachable() {
        return new UserError(BrokerCheck.unreachable(bootstrapServers()));
    }
}
