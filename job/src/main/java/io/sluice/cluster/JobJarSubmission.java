package io.sluice.cluster;

import java.io.File;
import java.net.MalformedURLException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.ClientUtils;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.ProgramInvocationException;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.apache.flink.runtime.client.JobStatusMessage;

/**
 * Submits a job jar to a session cluster as {@code flink run --detached -m HOST:PORT JAR ARGS} does: the jar's
 * main method runs here, in the jar's own (child-first) class loader, against a context environment whose
 * {@code execute()} uploads the job graph and the jar to the cluster's REST endpoint and returns.
 */
public final class JobJarSubmission {
    private JobJarSubmission() {
    }

    /**
     * Submits and returns the new job's id: the job named {@code jobName} that was not on the cluster before.
     */
    public static JobID submit(RestClusterClient<?> cluster, Configuration clusterAddress, Path jar, String entryClass,
                               List<String> args, String jobName) throws Exception {
        List<JobID> before = jobIds(cluster, jobName);
        Configuration client = new Configuration(clusterAddress);
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(DeploymentOptions.ATTACHED, false);
        // flink run ships the program's jar with the job, for the TaskManagers' user-code class loaders.
        client.set(PipelineOptions.JARS, List.of(url(jar)));
        PackagedProgram program = PackagedProgram.newBuilder()
                .setJarFile(jar.toFile())
                .setEntryPointClassName(entryClass)
                .setArguments(args.toArray(String[]::new))
                .setConfiguration(client)
                .build();
        try {
            ClientUtils.executeProgram(new DefaultExecutorServiceLoader(), client, program, false, true);
        } catch (ProgramInvocationException | RuntimeException | LinkageError e) {
            throw new IllegalStateException("submitting " + jar.getFileName() + " failed: "
                    + Objects.requireNonNullElse(rootMessage(e), e.toString()), e);
        } finally {
            program.close();
        }
        List<JobID> after = new ArrayList<>(jobIds(cluster, jobName));
        after.removeAll(before);
        if (after.size() != 1) {
            throw new IllegalStateException("the cluster lists " + after.size() + " new jobs named '" + jobName
                    + "' after the submission");
        }
        return after.get(0);
    }

    private static List<JobID> jobIds(RestClusterClient<?> cluster, String jobName) throws Exception {
        return cluster.listJobs().get().stream().filter(j -> j.getJobName().equals(jobName))
                .map(JobStatusMessage::getJobId).toList();
    }

    private static String url(Path jar) {
        try {
            return new File(jar.toAbsolutePath().toString()).toURI().toURL().toString();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(jar + ": " + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable t) {
        String message = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                message = c.getMessage().lines().findFirst().orElse(c.getMessage());
            }
        }
        return message;
    }
}
