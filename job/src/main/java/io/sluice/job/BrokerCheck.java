package io.sluice.job;

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
 * Asks the Kafka cluster of a configuration whether it answers, accepts the login of {@code kafka.properties}
 * and has the topics — within seconds, each failure one line ({@link IllegalArgumentException}), instead of a
 * Kafka client that retries forever or a job that restarts while the brokers refuse it. Used before the job
 * is submitted (by {@code sluice run} and by the job's own main under {@code flink run}) and by the Kafka tools.
 */
public final class BrokerCheck {
    /** How long the brokers have to answer before the check gives up. */
    public static final int ANSWER_SECONDS = 10;

    private BrokerCheck() {
    }

    /** The job's three topics, as {@link #describeTopics} checks them. */
    public static void checkJobTopics(JobConfig.Kafka kafka) {
        describeTopics(kafka, List.of(kafka.inputTopic(), kafka.outputTopic(), kafka.deadLetterTopic()));
    }

    /** Bootstrap servers, the user's client properties, and timeouts that end in seconds. */
    public static Properties clientProperties(JobConfig.Kafka kafka) {
        Properties p = new Properties();
        p.putAll(kafka.properties());
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(ANSWER_SECONDS * 1000));
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(ANSWER_SECONDS * 1000));
        // Fewer reconnection attempts while nothing answers.
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
        return p;
    }

    /** The topics' descriptions; an IllegalArgumentException naming the brokers or the first missing topic. */
    public static Map<String, TopicDescription> describeTopics(JobConfig.Kafka kafka, List<String> topics) {
        Properties p = clientProperties(kafka);
        p.put(AdminClientConfig.RETRIES_CONFIG, "0");
        String servers = kafka.bootstrapServers();
        try (Admin admin = Admin.create(p)) {
            Map<String, TopicDescription> found = new HashMap<>();
            for (String t : topics) {
                try {
                    found.put(t, admin.describeTopics(List.of(t)).allTopicNames()
                            .get(ANSWER_SECONDS, TimeUnit.SECONDS).get(t));
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        throw new IllegalArgumentException("no topic " + t + " on the Kafka cluster at " + servers);
                    }
                    throw e;
                }
            }
            return found;
        } catch (TimeoutException e) {
            throw new IllegalArgumentException(unreachable(servers));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new IllegalArgumentException(unreachable(servers));
            }
            if (e.getCause() instanceof AuthenticationException auth) {
                throw new IllegalArgumentException(authenticationFailed(kafka, auth));
            }
            throw new IllegalArgumentException("Kafka at " + servers + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted while asking Kafka at " + servers);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("Kafka at " + servers + ": " + rootMessage(e));
        }
    }

    /** A refused login or TLS handshake, naming what the client tried (never a secret). */
    public static String authenticationFailed(JobConfig.Kafka kafka, AuthenticationException e) {
        Map<String, String> p = kafka.properties();
        String protocol = p.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        String how = e instanceof SslAuthenticationException ? "TLS handshake failed"
                : "authentication failed (" + protocol + ", SASL mechanism "
                        + p.getOrDefault(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM) + ")";
        String why = rootMessage(e).lines().findFirst().orElse("");
        return "Kafka at " + kafka.bootstrapServers() + ": " + how + ": " + why
                + (e instanceof SslAuthenticationException ? " (check kafka.properties.ssl.truststore.*)"
                        : " (check the user and password in kafka.properties.sasl.jaas.config)");
    }

    public static String unreachable(String bootstrapServers) {
        return "cannot reach Kafka at " + bootstrapServers + " (no answer within " + ANSWER_SECONDS + " s)";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
