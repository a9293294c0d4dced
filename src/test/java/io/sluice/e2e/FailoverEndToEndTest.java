package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TaskManager dies while completions are written but not yet committed: no checkpoint runs on its own
 * (the interval is five minutes), so at the failure every completion on the topic belongs to an open
 * transaction. With exactly-once delivery a read_committed consumer then sees each request answered once,
 * with the text of its first, aborted attempt; the at-least-once control run shows the duplicates that the
 * transactions prevent. Checkpoints after the failure are triggered by the test, so the timing is fixed.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FailoverEndToEndTest extends E2eClusterTest {
    private static final int REQUESTS = 12;
    /** Completions written before the failure. */
    private static final int WRITTEN_BEFORE_FAILURE = 4;

    private static List<PromptRequest> requests() {
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(Requests.ids("req-" + i, i, 16, 0.9f));
        }
        return requests;
    }

    /** Runs the job, kills the TaskManager once completions are on the topic, and returns the final state. */
    private static Outcome runWithFailure(String name, String delivery) throws Exception {
        JobConfig config = cluster.config(name, "delivery=" + delivery, "checkpoint-interval-ms=300000",
                "inference.max-in-flight-requests=2", "micro-batch.max-requests=2");
        cluster.produceRequests(config.kafka().inputTopic(), requests());
        TestEngines.Counters counters = TestEngines.counters(name);
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new TestEngines.Wrapped(new SharedEngineProvider(config.engineSettings()),
                name, 100, null));
        JobClient job = env.executeAsync("failover-" + name);

        long deadline = System.currentTimeMillis() + 60_000;
        List<Completion> written;
        while ((written = cluster.uncommittedCompletions(config)).size() < WRITTEN_BEFORE_FAILURE) {
            assertTrue(System.currentTimeMillis() < deadline, "no completions were written");
            Thread.sleep(50);
        }
        int committed = cluster.completions(config).size();
        cluster.replaceLatestTaskManager();
        CompletableFuture<?> result = job.getJobExecutionResult();
        while (!result.isDone()) {
            // The bounded job finishes at its first checkpoint after the end of input; attempts while the
            // job restarts fail, and the next one follows.
            cluster.flink.triggerCheckpoint(job.getJobID()).exceptionally(e -> null);
            try {
                result.get(500, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                assertTrue(System.currentTimeMillis() < deadline + 120_000, "the job did not finish");
            }
        }
        return new Outcome(written, committed, cluster.completions(config), counters.submitted.get());
    }

    private record Outcome(List<Completion> writtenBeforeFailure, int committedBeforeFailure,
                           List<Completion> committed, int submitted) {
        Map<String, Integer> countsById() {
            Map<String, Integer> counts = new TreeMap<>();
            committed.forEach(c -> counts.merge(c.getRequestId(), 1, Integer::sum));
            return counts;
        }
    }

    @Test
    void exactlyOnceAnswersEachRequestOnceWhenTheTaskManagerDiesWithCompletionsUncommitted() throws Exception {
        Outcome run = runWithFailure("exactly-once", "exactly-once");

        assertEquals(0, run.committedBeforeFailure(), "a read_committed consumer saw completions before a checkpoint");
        assertTrue(run.writtenBeforeFailure().size() >= WRITTEN_BEFORE_FAILURE);
        Map<String, Integer> once = new TreeMap<>();
        requests().forEach(r -> once.put(r.getRequestId(), 1));
        assertEquals(once, run.countsById());
        // The requests answered before the failure ran again and gave the same text (replay safety).
        assertTrue(run.submitted() >= REQUESTS + run.writtenBeforeFailure().size(), "submitted " + run.submitted());
        Map<String, String> texts = new HashMap<>();
        run.committed().forEach(c -> texts.put(c.getRequestId(), c.getText()));
        for (Completion first : run.writtenBeforeFailure()) {
            assertEquals(first.getText(), texts.get(first.getRequestId()), first.getRequestId());
        }
    }

    @Test
    void atLeastOnceControlRunDuplicatesTheCompletionsWrittenBeforeTheFailure() throws Exception {
        Outcome run = runWithFailure("at-least-once", "at-least-once");

        // Without transactions, what was written is visible at once and stays after the failure.
        assertTrue(run.committedBeforeFailure() >= run.writtenBeforeFailure().size());
        Map<String, Integer> counts = run.countsById();
        assertEquals(REQUESTS, counts.size(), "every request answered");
        for (Completion first : run.writtenBeforeFailure()) {
            assertTrue(counts.get(first.getRequestId()) >= 2, "no duplicate of " + first.getRequestId());
        }
        assertTrue(run.committed().size() >= REQUESTS + WRITTEN_BEFORE_FAILURE, "committed " + run.committed().size());
    }
}
