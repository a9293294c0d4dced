package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.PromptRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The metrics reporter of conf/flink/config.yaml on a running job: Prometheus's text format at /metrics holds
 * Sluice's requests, tokens, time to first token, queue, dead letters by reason and the CPU-fallback gauge.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PrometheusMetricsEndToEndTest {
    private static final String OPERATOR = "flink_taskmanager_job_task_operator_sluice_";

    private static E2eCluster cluster;
    private static int port;

    @BeforeAll
    static void startCluster() throws Exception {
        Configuration shipped = GlobalConfiguration.loadConfiguration(TestPaths.root().resolve("conf/flink").toString());
        Configuration reporter = new Configuration();
        for (Map.Entry<String, String> e : shipped.toMap().entrySet()) {
            if (e.getKey().startsWith("metrics.reporter.")) {
                reporter.setString(e.getKey(), e.getValue());
            }
        }
        assertTrue(reporter.toMap().containsKey("metrics.reporter.prom.factory.class"), reporter.toString());
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        // The shipped range (9249-…) may be taken on a build machine: a free port, same reporter.
        reporter.setString("metrics.reporter.prom.port", Integer.toString(port));
        cluster = E2eCluster.start(1, 2, reporter);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return response.statusCode() == 200 ? response.body() : "";
    }

    /** The sum over subtasks of a metric's samples whose labels contain {@code labels}. */
    private static double sum(String text, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    @Test
    void prometheusScrapesSluicesMetricsFromARunningJob() throws Exception {
        // Unbounded: an operator's metrics leave the endpoint when its task ends.
        JobConfig config = cluster.config("prometheus", "kafka.stop-at-latest=false");
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            requests.add(Requests.ids("p-" + i, i, 6, 0f));
        }
        PromptRequest empty = Requests.ids("p-empty", 9, 6, 0f);
        empty.setPromptIds(List.of());
        requests.add(empty);
        cluster.produceRequests(config.kafka().inputTopic(), requests);
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new SharedEngineProvider(config.engineSettings()));
        JobClient job = env.executeAsync("prometheus-e2e");
        try {
            long deadline = System.currentTimeMillis() + 90_000;
            String text = scrape();
            while (!(sum(text, OPERATOR + "completions", "") >= 4
                    && sum(text, OPERATOR + "reason_deadLetters", "reason=\"EMPTY_PROMPT\"") >= 1)) {
                assertTrue(System.currentTimeMillis() < deadline, "Sluice's metrics never reached /metrics:\n"
                        + text.lines().filter(l -> l.contains("sluice")).toList());
                Thread.sleep(200);
                text = scrape();
            }
            assertTrue(sum(text, OPERATOR + "completionTokens", "") >= 4, "tokens");
            assertTrue(sum(text, OPERATOR + "promptTokens", "") >= 4 * 6, "prompt tokens");
            assertTrue(sum(text, OPERATOR + "ttftMs", "quantile=\"0.5\"") > 0, "TTFT median");
            assertTrue(sum(text, OPERATOR + "backlogRequests", "") >= 0, "queue");
            assertTrue(sum(text, OPERATOR + "inFlightRequests", "") >= 0, "in flight");
            assertTrue(sum(text, OPERATOR + "queuedMs", "quantile=\"0.5\"") >= 0, "queue time");
            // 0 on every subtask: no GPU here, the engine runs on the CPU (the fallback).
            assertTrue(sum(text, OPERATOR + "backendGpu", "") == 0, "CPU fallback gauge");
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }
}
