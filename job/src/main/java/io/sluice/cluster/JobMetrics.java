package io.sluice.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;

/** A running job's metrics as the JobManager's REST API (and so the dashboard) shows them. */
public final class JobMetrics {
    private JobMetrics() {
    }

    /**
     * The value of the metric whose name ends with {@code .name} in each subtask of the job vertex whose name
     * contains {@code vertex} (subtask index → value); empty until every subtask reports it.
     */
    public static Optional<Map<Integer, Double>> perSubtask(LocalSessionCluster cluster, JobID job, String vertex,
                                                            String name) {
        JsonNode details = cluster.getJson("/jobs/" + job);
        if (details == null) {
            return Optional.empty();
        }
        for (JsonNode v : details.path("vertices")) {
            if (!v.path("name").asText().contains(vertex)) {
                continue;
            }
            String base = "/jobs/" + job + "/vertices/" + v.path("id").asText() + "/subtasks/";
            Map<Integer, Double> values = new TreeMap<>();
            for (int i = 0; i < v.path("parallelism").asInt(); i++) {
                String subtask = base + i + "/metrics";
                Optional<String> id = metricId(cluster.getJson(subtask), "." + name);
                JsonNode value = id.map(m -> cluster.getJson(subtask + "?get="
                        + URLEncoder.encode(m, StandardCharsets.UTF_8))).orElse(null);
                if (value == null || !value.isArray() || value.isEmpty()) {
                    return Optional.empty();
                }
                values.put(i, value.get(0).path("value").asDouble());
            }
            return values.isEmpty() ? Optional.empty() : Optional.of(values);
        }
        return Optional.empty();
    }

    private static Optional<String> metricId(JsonNode list, String suffix) {
        if (list == null) {
            return Optional.empty();
        }
        for (JsonNode m : list) {
            String id = m.path("id").asText();
            if (id.endsWith(suffix)) {
                return Optional.of(id);
            }
        }
        return Optional.empty();
    }
}
