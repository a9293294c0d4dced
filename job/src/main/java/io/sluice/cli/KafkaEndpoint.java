package io.sluice.cli;

import io.sluice.job.JobConfig;
import io.sluice.job.JobConfigLoader;
import io.sluice.operators.validate.TopicFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The Kafka side of the produce and consume tools: the job configuration they share with the job (optional
 * {@code --config}, then the flags), client properties, and a check that the broker answers and the topic
 * exists — within seconds, as one line, instead of a client retrying forever.
 */
final class KafkaEndpoint {
    /** How long the broker has to answer before the tools give up. */
    static final int ANSWER_SECONDS = 10;

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
        Properties p = new Properties();
        p.putAll(config.kafka().properties());
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(ANSWER_SECONDS * 1000));
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(ANSWER_SECONDS * 1000));
        // Fewer reconnection attempts while nothing answers.
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
        return p;
    }

    /** The topic's description; a UserError naming the broker or the topic when either is not there. */
    TopicDescription describeTopic() {
        return describeTopics(List.of(topic)).get(topic);
    }

    /** The topics' descriptions; a UserError naming the broker or the first missing topic. */
    Map<String, TopicDescription> describeTopics(List<String> topics) {
        Properties p = clientProperties();
        p.put(AdminClientConfig.RETRIES_CONFIG, "0");
        try (Admin admin = Admin.create(p)) {
            Map<String, TopicDescription> found = new HashMap<>();
            for (String t : topics) {
                try {
                    found.put(t, admin.describeTopics(List.of(t)).allTopicNames()
                            .get(ANSWER_SECONDS, TimeUnit.SECONDS).get(t));
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        throw new UserError("no topic " + t + " on the Kafka cluster at " + bootstrapServers());
                    }
                    throw e;
                }
            }
            return found;
        } catch (TimeoutException e) {
            throw unreachable();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable();
            }
            if (e.getCause() instanceof AuthenticationException auth) {
                throw authenticationFailed(auth);
            }
            throw new UserError("Kafka at " + bootstrapServers() + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        } catch (KafkaException e) {
            throw new UserError("Kafka at " + bootstrapServers() + ": " + rootMessage(e));
        }
    }

    /** A refused login or TLS handshake, naming what the client tried (never a secret). */
    UserError authenticationFailed(AuthenticationException e) {
        Map<String, String> p = config.kafka().properties();
        String protocol = p.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        String how = e instanceof SslAuthenticationException ? "TLS handshake failed"
                : "authentication failed (" + protocol + ", SASL mechanism "
                        + p.getOrDefault(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM) + ")";
        String why = rootMessage(e).lines().findFirst().orElse("");
        return new UserError("Kafka at " + bootstrapServers() + ": " + how + ": " + why
                + (e instanceof SslAuthenticationException ? " (check kafka.properties.ssl.truststore.*)"
                        : " (check the user and password in kafka.properties.sasl.jaas.config)"));
    }

    UserError unreachable() {
        return new UserError("cannot reach Kafka at " + bootstrapServers() + " (no answer within " + ANSWER_SECONDS
                + " s)");
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
