package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.cli.SluiceCli;
import io.sluice.job.local.LocalKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice run} names the address of Flink's web dashboard, and the dashboard is there while the job runs:
 * its page, and the running job in the REST API behind it.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RunDashboardEndToEndTest {
    private static final Pattern DASHBOARD = Pattern.compile("sluice: Flink dashboard at (http://localhost:\\d+/) while the job runs");

    @Test
    void runServesFlinksDashboardWhileTheJobRuns(@TempDir Path dir) throws Exception {
        try (LocalKafka kafka = LocalKafka.start()) {
            kafka.createTopics(Map.of("dash-prompts", 1, "dash-completions", 1, "dash-dead-letters", 1));
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-Xmx768m",
                    "-cp", System.getProperty("java.class.path"), SluiceCli.class.getName(), "run",
                    "--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                    "--set", "kafka.input-topic=dash-prompts",
                    "--set", "kafka.output-topic=dash-completions",
                    "--set", "kafka.dead-letter-topic=dash-dead-letters",
                    "--set", "model.path=" + TestPaths.shakespeare()));
            Path stderr = dir.resolve("run.err");
            Process run = new ProcessBuilder(command).redirectError(stderr.toFile())
                    .redirectOutput(dir.resolve("run.out").toFile()).start();
            try {
                long deadline = System.currentTimeMillis() + 180_000;
                String url = null;
                while (url == null) {
                    assertTrue(run.isAlive(), "run ended:\n" + Files.readString(stderr));
                    assertTrue(System.currentTimeMillis() < deadline, "no dashboard line:\n" + Files.readString(stderr));
                    Matcher m = DASHBOARD.matcher(Files.readString(stderr));
                    url = m.find() ? m.group(1) : null;
                    Thread.sleep(200);
                }
                HttpClient http = HttpClient.newHttpClient();
                ObjectMapper json = new ObjectMapper();
                while (true) {
                    assertTrue(run.isAlive(), "run ended:\n" + Files.readString(stderr));
                    assertTrue(System.currentTimeMillis() < deadline, "the dashboard at " + url + " never showed the job");
                    String page = get(http, url);
                    String jobs = get(http, url + "jobs/overview");
                    if (page != null && jobs != null && runningSluiceJob(json.readTree(jobs))) {
                        assertTrue(page.contains("<title>Apache Flink Web Dashboard</title>"), page);
                        return;
                    }
                    Thread.sleep(250);
                }
            } finally {
                run.destroy();
                if (!run.waitFor(30, TimeUnit.SECONDS)) {
                    run.destroyForcibly();
                }
            }
        }
    }

    private static boolean runningSluiceJob(JsonNode overview) {
        for (JsonNode job : overview.path("jobs")) {
            if (job.path("name").asText().startsWith("sluice ") && job.path("state").asText().equals("RUNNING")) {
                return true;
            }
        }
        return false;
    }

    private static String get(HttpClient http, String url) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException notYet) {
            return null;
        }
    }
}
