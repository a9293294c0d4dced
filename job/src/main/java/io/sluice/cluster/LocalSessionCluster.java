package io.sluice.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.cluster.gpu.GpuDiscoveryPlugin;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink session cluster of separate JVMs on this machine — one JobManager and TaskManagers — started the way
 * Flink's start scripts start them (the same entry points, JVM memory options computed from the configuration,
 * one log file per process), from a class path that holds Flink (Sluice's jar does). Its files — the generated
 * configuration, the GPU discovery plugin and script, logs, checkpoints — live in a run directory. {@link #close()}
 * stops every process it started, and so does a shutdown hook when the JVM exits first (Ctrl-C); the run
 * directory is deleted then unless {@link #keepFiles()} was called (to read the logs after a failure).
 */
public final class LocalSessionCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final Path runDir;
    private final Path confDir;
    private final Configuration config;
    private final String classPath;
    private final ClusterProcess jobManager;
    private final List<ClusterProcess> taskManagers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread shutdownHook = new Thread(this::stopQuietly, "sluice-cluster-shutdown");
    private int taskManagersStarted;
    private volatile boolean keepFiles;
    private boolean closed;

    private LocalSessionCluster(Path runDir, Configuration config, String classPath) throws IOException {
        this.runDir = runDir;
        this.confDir = runDir.resolve("conf");
        this.config = config;
        // The processes run in the run directory: relative entries (java -jar job/target/sluice.jar) made absolute.
        this.classPath = Arrays.stream(classPath.split(File.pathSeparator)).filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        SessionClusterConfig.write(config, confDir);
        this.jobManager = launch("jobmanager", "jobmanager", List.of());
    }

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers with {@code base} (Sluice's
     * {@code conf/flink/config.yaml}) as their configuration, running from {@code classPath}; returns without
     * waiting for them (see {@link #awaitTaskManagers}).
     */
    public static LocalSessionCluster start(Configuration base, String classPath, int taskManagers) throws IOException {
        Path runDir = Files.createTempDirectory("sluice-cluster-");
        GpuDiscoveryPlugin.writePlugin(runDir.resolve("plugins"));
        Path script = GpuDiscoveryPlugin.writeDiscoveryScript(runDir.resolve("gpu-discovery.sh"));
        Configuration config = SessionClusterConfig.forThisHost(base, runDir, freePort(), freePort(), script);
        LocalSessionCluster cluster = new LocalSessionCluster(runDir, config, classPath);
        try {
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
        } catch (IOException | RuntimeException e) {
            cluster.keepFiles();
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Starts one more TaskManager (numbered on from those started before) and returns it. */
    public synchronized ClusterProcess startTaskManager() throws IOException {
        int number = ++taskManagersStarted;
        String id = "taskmanager-" + number;
        ClusterProcess tm = launch(id, "taskmanager", List.of("-D", "taskmanager.resource-id=" + id));
        taskManagers.add(tm);
        return tm;
    }

    private ClusterProcess launch(String id, String role, List<String> dynamicProperties) throws IOException {
        Path logs = Files.createDirectories(runDir.resolve("log"));
        Path log = logs.resolve(id + ".log");
        Path out = logs.resolve(id + ".out");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        boolean jm = role.equals("jobmanager");
        command.addAll(words(config.get(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS)));
        command.addAll(words(config.get(jm ? CoreOptions.FLINK_DEFAULT_JM_JVM_OPTIONS : CoreOptions.FLINK_DEFAULT_TM_JVM_OPTIONS)));
        command.addAll(words(config.get(CoreOptions.FLINK_JVM_OPTIONS)));
        command.addAll(words(config.get(jm ? CoreOptions.FLINK_JM_JVM_OPTIONS : CoreOptions.FLINK_TM_JVM_OPTIONS)));
        List<String> dynamic = new ArrayList<>(dynamicProperties);
        if (jm) {
            JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(config);
            command.addAll(words(JobManagerProcessUtils.generateJvmParametersStr(spec, config)));
        } else {
            TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(config);
            command.addAll(words(ProcessMemoryUtils.generateJvmParametersStr(spec)));
            // What taskmanager.sh passes: the memory sizes the TaskManager checks itself against.
            dynamic.addAll(words(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        }
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.addAll(List.of("-cp", classPath, ClusterProcessMain.class.getName(), role,
                "--configDir", confDir.toString()));
        command.addAll(dynamic);
        ProcessBuilder builder = new ProcessBuilder(command).directory(runDir.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        builder.environment().put("FLINK_PLUGINS_DIR", runDir.resolve("plugins").toString());
        String name = jm ? "JobManager" : "TaskManager " + id.substring(id.lastIndexOf('-') + 1);
        return new ClusterProcess(name, builder.start(), log, out);
    }

    private static List<String> words(String options) {
        return options == null || options.isBlank() ? List.of()
                : Arrays.stream(options.trim().split("\\s+")).toList();
    }

    /** Waits until {@code count} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            requireAlive();
            JsonNode overview = getJson("/overview");
            if (overview != null && overview.path("taskmanagers").asInt() >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new ClusterException("the cluster did not start within " + timeout.toSeconds() + " s ("
                        + (overview == null ? "the JobManager's REST endpoint does not answer"
                        : overview.path("taskmanagers").asInt() + " of " + count + " TaskManagers registered") + ")");
            }
            Thread.sleep(250);
        }
    }

    /** Fails when the JobManager or a TaskManager that was not killed on purpose has exited. */
    public synchronized void requireAlive() {
        List<ClusterProcess> all = new ArrayList<>(taskManagers);
        all.add(0, jobManager);
        for (ClusterProcess p : all) {
            if (!p.isAlive()) {
                throw new ClusterException(p + " exited with status " + p.exitValue() + " (its output: "
                        + p.output() + ")");
            }
        }
    }

    /** Kills a TaskManager with kill -9 and forgets it; returns it. */
    public synchronized ClusterProcess killTaskManager(int index) throws InterruptedException {
        ClusterProcess tm = taskManagers.remove(index);
        tm.kill();
        return tm;
    }

    /** The TaskManagers started and not killed. */
    public synchronized List<ClusterProcess> taskManagers() {
        return List.copyOf(taskManagers);
    }

    public ClusterProcess jobManager() {
        return jobManager;
    }

    public URI restAddress() {
        return URI.create("http://" + config.get(RestOptions.ADDRESS) + ":" + config.get(RestOptions.PORT));
    }

    /** The web dashboard's address (the REST endpoint serves it). */
    public String dashboardUrl() {
        return restAddress() + "/";
    }

    /** Whether the JobManager serves Flink's web dashboard (flink-runtime-web on its class path). */
    public boolean dashboardServes() {
        String page = get("/");
        return page != null && page.contains("<title>Apache Flink Web Dashboard</title>");
    }

    /** A REST client of the cluster, as the {@code flink} command line uses (close it). */
    public RestClusterClient<String> restClient() throws Exception {
        return new RestClusterClient<>(clientConfiguration(), "sluice-local-session");
    }

    /** What a client needs to reach the cluster ({@code flink run}'s {@code -m localhost:PORT}). */
    public Configuration clientConfiguration() {
        Configuration client = new Configuration();
        client.set(RestOptions.ADDRESS, config.get(RestOptions.ADDRESS));
        client.set(RestOptions.PORT, config.get(RestOptions.PORT));
        // The submitting JVM runs from Sluice's jar as well (see SessionClusterConfig).
        client.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, config.get(CoreOptions.CLASSLOADER_RESOLVE_ORDER));
        return client;
    }

    /** A GET on the REST endpoint as JSON, or null when it does not answer 200. */
    public JsonNode getJson(String path) {
        String body = get(path);
        try {
            return body == null ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private String get(String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(restAddress().resolve(path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    public Path runDir() {
        return runDir;
    }

    /** Keeps the run directory (logs) when the cluster stops. */
    public void keepFiles() {
        keepFiles = true;
    }

    /** Stops every process (TaskManagers first) and deletes the run directory unless kept. */
    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) already
        }
    }

    private synchronized void stopQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        // As decided before the stop: once the processes go, a caller's failing request must not change it.
        boolean keep = keepFiles;
        List<ClusterProcess> all = new ArrayList<>(taskManagers);
        all.add(jobManager);
        all.forEach(ClusterProcess::requestStop);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ClusterProcess p : all) {
            try {
                p.awaitStop(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.killNow();
            }
        }
        if (!keep) {
            deleteRecursively(runDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a file a process still writes: left behind in the temporary directory
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // nothing to delete
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(SessionClusterConfig.HOST))) {
            return socket.getLocalPort();
        }
    }

    /** The cluster could not start or lost a process; the message names it and where its output is. */
    public static final class ClusterException extends RuntimeException {
        public ClusterException(String message) {
            super(Objects.requireNonNull(message));
        }
    }
}
