package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.EngineProvider;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A TaskManager dies mid-stream: after recovery, read_committed consumers see exactly one completion per
 * request, with the texts of a run without failure (sampled, seeds derived from the request ids).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FailoverEndToEndTest extends E2eClusterTest {
    private static final int REQUESTS = 30;


    private static List<PromptRequest> requests() {
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(Requests.ids("req-" + i, i, 16, 0.9f));
        }
        return requests;
    }

    private static Map<String, String> texts(List<Completion> completions) {
        Map<String, String> texts = new TreeMap<>();
        for (Completion c : completions) {
            if (texts.put(c.getRequestId(), c.getText()) != null) {
                throw new AssertionError("a second completion for " + c.getRequestId());
            }
        }
        return texts;
    }

    private static JobClient submit(JobConfig config, EngineProvider provider) throws Exception {
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, provider);
        return env.executeAsync("failover-e2e");
    }

    @Test
    void afterATaskManagerFailsEachRequestHasOneCompletionWithTheTextOfARunWithoutFailure() throws Exception {
        JobConfig reference = cluster.config("reference");
        cluster.produceRequests(reference.kafka().inputTopic(), requests());
        submit(reference, new SharedEngineProvider(reference.engineSettings()))
                .getJobExecutionResult().get(2, TimeUnit.MINUTES);
        Map<String, String> expected = texts(cluster.completions(reference));
        assertEquals(REQUESTS, expected.size());

        // Slowed down so that the failure lands mid-stream: ~2 requests at a time, 300 ms each.
        JobConfig config = cluster.config("failover", "inference.max-in-flight-requests=2",
                "micro-batch.max-requests=2");
        cluster.produceRequests(config.kafka().inputTopic(), requests());
        TestEngines.Counters counters = TestEngines.counters("failover");
        JobClient job = submit(config, new TestEngines.Wrapped(new SharedEngineProvider(config.engineSettings()),
                "failover", 300, null));

        long deadline = System.currentTimeMillis() + 60_000;
        int committedBeforeFailure;
        while ((committedBeforeFailure = cluster.completions(config).size()) < 4) {
            assertTrue(System.currentTimeMillis() < deadline, "no completions were committed");
            Thread.sleep(100);
        }
        int submittedBeforeFailure = counters.submitted.get();
        cluster.flink.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
        cluster.flink.startTaskManager();
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        assertTrue(committedBeforeFailure < REQUESTS, "the failure came after the end");
        Map<String, String> actual = texts(cluster.completions(config));
        assertEquals(expected, actual);
        // Some requests ran twice (in flight or uncommitted at the failure), yet each was answered once.
        assertTrue(counters.submitted.get() > REQUESTS,
                "submitted " + counters.submitted.get() + " (before the failure: " + submittedBeforeFailure + ")");
        assertEquals(List.of(), cluster.deadLetters(config));
    }
}
