package io.sluice.job.local;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node Kafka broker in this JVM (KRaft, combined broker and controller, random ports), from
 * Kafka's own test kit: for the demo and the end-to-end tests. Configured so that transactions work on one
 * node. Optionally it also listens with SASL_SSL (SCRAM-SHA-256 over TLS) for clients, see
 * {@link #startSecured}. Close it: its threads keep the JVM alive.
 */
public final class LocalKafka implements AutoCloseable {

    /** The name of the SASL_SSL listener of {@link #startSecured}. */
    private static final String SECURE_LISTENER = "SECURE";

    /**
     * A SASL_SSL listener: the broker's TLS key store (PKCS12 or JKS, its certificate valid for localhost) and
     * the one SCRAM-SHA-256 user it knows.
     */
    public record Secured(String keystore, String keystorePassword, String username, String password) {
        @Override
        public String toString() {
            return "Secured[keystore=" + keystore + ", username=" + username + "]";
        }
    }

    private final KafkaClusterTestKit cluster;
    private final Secured secured;

    private LocalKafka(KafkaClusterTestKit cluster, Secured secured) {
        this.cluster = cluster;
        this.secured = secured;
    }

    /** Starts a broker and waits until it is ready (a few seconds). */
    public static LocalKafka start() throws Exception {
        return start(null);
    }

    /**
     * Starts a broker that also has a SASL_SSL listener ({@link #securedBootstrapServers()}) requiring TLS and
     * SCRAM-SHA-256 authentication as {@code secured}'s user. The plaintext listener stays for the broker's own
     * traffic and for {@link #createTopics}; clients that bootstrap on the secured listener are only ever
     * told of secured endpoints.
     */
    public static LocalKafka startSecured(Secured secured) throws Exception {
        return start(secured);
    }

    private static LocalKafka start(Secured secured) throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false");
        if (secured != null) {
            // The test kit's own listeners keep their pre-bound sockets whatever port is written here; the
            // secured one binds a free port, which the broker advertises once bound.
            String broker = nodes.brokerListenerName().value();
            String controller = nodes.controllerListenerName().value();
            String prefix = "listener.name." + SECURE_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
            builder.setConfigProp("listeners", broker + "://localhost:0," + controller + "://localhost:0,"
                            + SECURE_LISTENER + "://localhost:0")
                    .setConfigProp("listener.security.protocol.map", broker + ":PLAINTEXT," + controller
                            + ":PLAINTEXT," + SECURE_LISTENER + ":SASL_SSL")
                    .setConfigProp(prefix + "sasl.enabled.mechanisms", "SCRAM-SHA-256")
                    .setConfigProp(prefix + "scram-sha-256.sasl.jaas.config",
                            "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                    .setConfigProp(prefix + "ssl.keystore.location", secured.keystore())
                    .setConfigProp(prefix + "ssl.keystore.password", secured.keystorePassword())
                    .setConfigProp(prefix + "ssl.key.password", secured.keystorePassword())
                    .setConfigProp(prefix + "ssl.client.auth", "none");
        }
        KafkaClusterTestKit cluster = builder.build();
        // The test kit prints its formatting ("Formatting metadata directory ...", "Bootstrap metadata ...") on
        // standard output, which the commands keep for results, and a user needs none of it: it is kept aside
        // and shown only if the broker does not start.
        PrintStream stdout = System.out;
        ByteArrayOutputStream chatter = new ByteArrayOutputStream();
        System.setOut(new PrintStream(chatter, true, StandardCharsets.UTF_8));
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            LocalKafka kafka = new LocalKafka(cluster, secured);
            if (secured != null) {
                kafka.createScramUser(secured.username(), secured.password());
            }
            return kafka;
        } catch (Exception e) {
            System.err.print(chatter.toString(StandardCharsets.UTF_8));
            cluster.close();
            throw e;
        } finally {
            System.setOut(stdout);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** The SASL_SSL listener's address (only for a broker started with {@link #startSecured}). */
    public String securedBootstrapServers() {
        if (secured == null) {
            throw new IllegalStateException("this broker has no SASL_SSL listener (start it with startSecured)");
        }
        return "localhost:" + cluster.brokers().values().iterator().next()
                .boundPort(ListenerName.normalised(SECURE_LISTENER));
    }

    /** Client properties that reach this broker (its plaintext listener). */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** Creates topics (name → partitions), ignoring those that exist. */
    public void createTopics(Map<String, Integer> topics) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(clientProperties())) {
            List<NewTopic> newTopics = new ArrayList<>();
            topics.forEach((name, partitions) -> newTopics.add(new NewTopic(name, partitions, (short) 1)));
            try {
                admin.createTopics(newTopics).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    /** Creates (or replaces) a SCRAM-SHA-256 user, over the plaintext listener. */
    private void createScramUser(String username, String password) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(clientProperties())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(username,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password))).all().get();
            // The broker learns the credential from the metadata log: wait until it answers for the user, so
            // that a client's first connection authenticates.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    admin.describeUserScramCredentials(List.of(username)).description(username).get();
                    return;
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50);
                }
            }
        }
    }

    /**
     * Shuts the broker down as an operator's restart does (controlled shutdown); its log directories stay and
     * the KRaft controller keeps running. Clients see a broker that is gone. For fault tests.
     */
    public void stopBroker() {
        for (BrokerServer broker : cluster.brokers().values()) {
            broker.shutdown();
            broker.awaitShutdown();
        }
    }

    /**
     * Starts the broker that {@link #stopBroker()} stopped, on the same port (the test kit binds the port it
     * had again) and log directories, and waits until it is ready.
     */
    public void startBroker() throws ExecutionException, InterruptedException {
        for (BrokerServer broker : cluster.brokers().values()) {
            broker.startup();
        }
        cluster.waitForReadyBrokers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
