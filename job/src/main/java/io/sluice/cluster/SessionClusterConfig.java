package io.sluice.cluster;

import io.sluice.cluster.gpu.GpuDiscoveryPlugin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.BootstrapTools;

/**
 * The Flink configuration of a session cluster on this machine: Sluice's TaskManager configuration
 * ({@code conf/flink/config.yaml}) with what a single host needs on top — every endpoint on localhost at the
 * given ports, one task slot and one GPU per TaskManager (the {@code gpu} resource found by a discovery script),
 * small memory sizes, checkpoints and temporary files in the run directory, and a heartbeat that notices a
 * killed TaskManager within seconds.
 */
public final class SessionClusterConfig {
    /**
     * What a Flink distribution's config.yaml puts in {@code env.java.default-opts.all} for Java 17; the
     * distribution is not here, so the cluster's JVMs get them from this configuration.
     */
    public static final List<String> FLINK_JAVA17_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    static final String FLINK_DEFAULT_JVM_OPTIONS = String.join(" ", FLINK_JAVA17_OPTIONS);

    static final String HOST = "localhost";
    static final String PARENT_FIRST = "parent-first";

    private SessionClusterConfig() {
    }

    /**
     * The configuration for a cluster whose files live under {@code runDir}: the discovery script and the
     * plugin folder must be written there ({@link GpuDiscoveryPlugin}).
     */
    public static Configuration forThisHost(Configuration base, Path runDir, int rpcPort, int restPort,
                                            Path discoveryScript) {
        Configuration c = new Configuration(base);
        c.set(JobManagerOptions.ADDRESS, HOST);
        c.set(JobManagerOptions.BIND_HOST, HOST);
        c.set(JobManagerOptions.PORT, rpcPort);
        c.set(RestOptions.ADDRESS, HOST);
        c.set(RestOptions.BIND_ADDRESS, HOST);
        c.set(RestOptions.PORT, restPort);
        c.set(RestOptions.BIND_PORT, Integer.toString(restPort));
        c.set(TaskManagerOptions.HOST, HOST);
        c.set(TaskManagerOptions.BIND_HOST, HOST);

        // One slot per TaskManager, one GPU per slot (conf/flink/config.yaml's rule), found by the script.
        c.set(TaskManagerOptions.NUM_TASK_SLOTS, 1);
        c.setString("external-resources", "gpu");
        c.setString("external-resource.gpu.amount", "1");
        c.setString("external-resource.gpu.driver-factory.class", GpuDiscoveryPlugin.factoryClass());
        c.setString("external-resource.gpu.param.discovery-script.path", discoveryScript.toString());
        c.setString("external-resource.gpu.param.discovery-script.args", "");

        // Sizes for a laptop, not for a GPU node: the bundled model is small.
        c.removeConfig(TaskManagerOptions.TASK_HEAP_MEMORY);
        c.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, MemorySize.parse("1280m"));
        c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("64m"));
        c.set(JobManagerOptions.TOTAL_PROCESS_MEMORY, MemorySize.parse("1g"));

        // These JVMs run from Sluice's jar, which holds the job's classes and its Kafka connector as well, unlike a
        // Flink distribution's lib/: load them parent-first, so that a connector class and the Kafka classes in
        // its signatures come from one class loader (child-first, Flink's default, would pair the jar's Kafka
        // classes with lib's connector). On a real cluster keep the default.
        c.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, PARENT_FIRST);
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, runDir.resolve("checkpoints").toUri().toString());
        c.set(CoreOptions.TMP_DIRS, runDir.resolve("tmp").toString());
        // A killed TaskManager's heartbeats fail at once: after two of them it is declared lost.
        c.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(2));
        // The dashboard and REST API show metrics at most this old (Flink's default: 10 s).
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(2));
        if (!c.contains(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS)) {
            c.set(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS, FLINK_DEFAULT_JVM_OPTIONS);
        }
        return c;
    }

    /** Writes {@code config.yaml} and the processes' logging configuration into {@code confDir}. */
    public static void write(Configuration config, Path confDir) throws IOException {
        Files.createDirectories(confDir);
        BootstrapTools.writeConfiguration(config, confDir.resolve("config.yaml").toFile());
        Files.writeString(confDir.resolve("log4j.properties"), LOG4J);
    }

    /** Each process logs to the file its {@code log.file} property names (as Flink's scripts set it). */
    private static final String LOG4J = """
            # Written by sluice demo --cluster: each JobManager and TaskManager logs to its own file (-Dlog.file).
            rootLogger.level = INFO
            rootLogger.appenderRef.file.ref = file
            appender.file.type = File
            appender.file.name = file
            appender.file.fileName = ${sys:log.file}
            appender.file.layout.type = PatternLayout
            appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
            logger.kafka.name = org.apache.kafka
            logger.kafka.level = WARN
            """;
}
