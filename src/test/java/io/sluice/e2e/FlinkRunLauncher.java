package io.sluice.e2e;

import java.io.File;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.client.ClientUtils;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * Runs in a JVM whose class path holds Flink and nothing of Sluice (as a Flink cluster's lib/ does):
 * starts a MiniCluster, then does what {@code flink run JAR ARGS} does — builds a PackagedProgram from the
 * job jar (its own class loader, child first) and executes its main method against the cluster's REST
 * endpoint, attached, until the job ends. Exit status 0 when the job finished.
 */
public final class FlinkRunLauncher {
    private FlinkRunLauncher() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.sluice.job.SluiceJob");
            System.err.println("launcher: Sluice is on the cluster's class path; the test would prove nothing");
            System.exit(3);
        } catch (ClassNotFoundException expected) {
            // As on a real cluster: Sluice comes with the job jar only.
        }
        Configuration clusterConfig = new Configuration();
        clusterConfig.set(RestOptions.BIND_PORT, "0");
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(clusterConfig).setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            URI rest = cluster.getRestAddress().get();
            Configuration client = new Configuration();
            client.set(DeploymentOptions.TARGET, "remote");
            client.set(DeploymentOptions.ATTACHED, true);
            client.set(RestOptions.ADDRESS, rest.getHost());
            client.set(RestOptions.PORT, rest.getPort());
            // flink run ships the jar with the job (PipelineOptions.JARS), for the cluster's class loader.
            client.set(PipelineOptions.JARS, List.of(new File(args[0]).toURI().toURL().toString()));
            PackagedProgram program = PackagedProgram.newBuilder()
                    .setJarFile(new File(args[0]))
                    .setArguments(Arrays.copyOfRange(args, 1, args.length))
                    .setConfiguration(client)
                    .build();
            ClientUtils.executeProgram(new DefaultExecutorServiceLoader(), client, program, false, false);
            System.out.println("launcher: job finished");
        }
        System.exit(0);
    }
}
