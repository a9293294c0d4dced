package io.sluice.job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the job's main checks under {@code flink run}, before it builds the graph, so that wrong Kafka
 * credentials or unreachable brokers fail the submission with one line instead of a job that restarts by its
 * restart strategy while the brokers refuse it. The main runs on the client (or, in application mode, on the
 * JobManager), not where the engines and the Kafka clients of the job run, so only what this machine can
 * judge is checked, and what it cannot is skipped with a reason:
 * <ul>
 *   <li>the Kafka security settings that need no file (a known protocol, a JAAS configuration for SASL);</li>
 *   <li>the brokers answer, accept the login and have the three topics ({@link BrokerCheck}) — skipped when a
 *       TLS store named in {@code kafka.properties} is not on this machine (it may exist only on the
 *       TaskManagers), or when the submitter asks to skip it (brokers that only the cluster can reach);</li>
 *   <li>the model file, where it is on this machine: it loads, and an explicit {@code kv-cache-bytes} holds one
 *       sequence. {@code model.path} is the TaskManagers' path; when it is not here nothing is checked, and a
 *       TaskManager that cannot load it fails the job at once ({@link FailFastEngineProvider}) — no restarts.
 *       {@code kv-cache-fraction} is a fraction of the TaskManager's heap and is not judged here.</li>
 * </ul>
 * Each failure is an IllegalArgumentException naming the setting.
 */
public final class SubmitPreflight {

    private SubmitPreflight() {
    }

    /** Runs the checks; returns why the ones skipped were skipped (empty when all ran). */
    public static List<String> check(JobConfig config, boolean brokers) {
        List<String> skipped = new ArrayList<>();
        if (!config.isBulk()) {
            Preflight.checkKafkaLogin(config.kafka().properties());
            String missingStore = missingStore(config);
            if (!brokers) {
                skipped.add("the brokers are not checked before submitting (--skip-broker-check)");
            } else if (missingStore != null) {
                skipped.add("the brokers are not checked before submitting: " + missingStore
                        + " is not on this machine");
            } else {
                BrokerCheck.checkJobTopics(config.kafka());
            }
        }
        Path model = Path.of(config.model().path());
        if (Files.isReadable(model)) {
            Preflight.checkModel(config, false);
        } else {
            skipped.add("model.path " + config.model().path() + " is not on this machine; the TaskManagers load it"
                    + " (one that cannot fails the job without restarts)");
        }
        return skipped;
    }

    /** The first TLS store setting of kafka.properties whose file this machine cannot read, or null. */
    private static String missingStore(JobConfig config) {
        for (String store : Preflight.TLS_STORES) {
            String file = config.kafka().properties().get(store);
            if (file != null && !Files.isReadable(Path.of(file))) {
                return "kafka.properties." + store + " " + file;
            }
        }
        return null;
    }
}
