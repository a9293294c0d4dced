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
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node Kafka broker in this JVM (KRaft, combined broker and controller, random ports), from
 * Kafka's own test kit: for the demo and the end-to-end tests. Configured so that transactions work on one
 * node. Close it: its threads keep the JVM alive.
 */
public final class LocalKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private LocalKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts a broker and waits until it is ready (a few seconds). */
    public static LocalKafka start() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
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
            return new LocalKafka(cluster);
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

    /** Client properties that reach this broker. */
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
