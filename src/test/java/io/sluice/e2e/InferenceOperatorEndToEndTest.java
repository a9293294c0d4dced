package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inference operator on the real broker and MiniCluster (with a restart strategy) under two kinds of
 * trouble: a request on which the engine crashes every time, and a huge prompt whose tokenization takes long.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class InferenceOperatorEndToEndTest extends E2eClusterTest {
    private static final int GOOD = 12;

    /**
     * The engine throws an {@link Error} on every try at one request, which fails the task: the job restarts a
     * bounded number of times, the request lands on the dead-letter topic with ENGINE_FAILURE after
     * {@code limits.max-attempts} (3) tries, the job keeps running, and every other request gets its completion
     * exactly once.
     */
    @Test
    void aRequestThatCrashesTheEngineIsADeadLetterAfterThreeTriesAndTheJobRunsOn() throws Exception {
        String name = "poison";
        // Unbounded: a bounded input ends before a restart could happen, and the job must be seen running on.
        JobConfig config = cluster.config(name, "kafka.stop-at-latest=false", "checkpoint-interval-ms=300");
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            requests.add(Requests.ids("good-" + i, i, 8, 0.8f));
            if (i == GOOD / 2) {
                requests.add(Requests.ids("poison-1", 99, 8, 0.8f));
            }
        }
        cluster.produceRequests(config.kafka().inputTopic(), requests);
        TestEngines.Counters counters = TestEngines.counters(name);
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new TestEngines.Crashing(
                new SharedEngineProvider(config.engineSettings()), name, "poison-"));
        JobClient job = env.executeAsync("poison-request");
        try {
            long deadline = System.currentTimeMillis() + 180_000;
            while (cluster.deadLetters(config).isEmpty() || cluster.completions(config).size() < GOOD) {
                assertTrue(System.currentTimeMillis() < deadline, "no dead letter / not every completion: tries "
                        + counters.tries + ", leases " + counters.leases);
                assertFalse(job.getJobStatus().get().isGloballyTerminalState(), "the job ended: "
                        + job.getJobStatus().get());
                Thread.sleep(200);
            }
            // A request that arrives afterwards is answered too: the job runs on.
            cluster.produceRequests(config.kafka().inputTopic(), List.of(Requests.ids("after", 7, 8, 0.8f)));
            while (cluster.completions(config).stream().noneMatch(c -> c.getRequestId().equals("after"))) {
                assertTrue(System.currentTimeMillis() < deadline, "the request after the poison was not answered");
                Thread.sleep(200);
            }
            assertEquals(JobStatus.RUNNING, job.getJobStatus().get());
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }

        List<DeadLetter> dead = cluster.deadLetters(config);
        assertEquals(List.of("poison-1"), dead.stream().map(DeadLetter::getRequestId).toList());
        assertEquals("ENGINE_FAILURE", dead.get(0).getErrorCode());
        assertTrue(dead.get(0).getErrorMessage().contains("3 tries"), dead.get(0).getErrorMessage());
        assertEquals(3, counters.tries.get("poison-1").get(), "tries of the poison request");
        // The first start and one restart for each of the two tries that crashed the engine.
        assertEquals(3, counters.leases.get(), "task starts");

        Map<String, Integer> counts = new TreeMap<>();
        for (Completion c : cluster.completions(config)) {
            counts.merge(c.getRequestId(), 1, Integer::sum);
        }
        Map<String, Integer> once = new TreeMap<>();
        requests.stream().map(PromptRequest::getRequestId).filter(id -> !id.startsWith("poison"))
                .forEach(id -> once.put(id, 1));
        once.put("after", 1);
        assertEquals(once, counts, "every other request exactly once");
    }

    /**
     * A prompt of almost {@code limits.max-request-bytes} whose tokenization (in the engine's {@code submit})
     * blocks until the test releases it: meanwhile checkpoints complete and the small requests behind it are
     * answered — a read_committed consumer sees their completions, which needs a completed checkpoint. Were
     * {@code submit} called on the task's mailbox thread, neither could happen while it is blocked.
     */
    @Test
    void aHugePromptBeingTokenizedHoldsUpNeitherCheckpointsNorTheRequestsBehindIt() throws Exception {
        String name = "huge-prompt";
        int maxRequestBytes = 400_000;
        JobConfig config = cluster.config(name, "kafka.stop-at-latest=false", "checkpoint-interval-ms=300",
                "limits.max-request-bytes=" + maxRequestBytes);
        String prompt = "ROMEO: " + "But soft, what light through yonder window breaks? ".repeat(7_600);
        PromptRequest huge = Requests.text("huge", prompt, 8);
        huge.setAttributes(Map.of());
        assertTrue(io.sluice.schemas.AvroCodec.PROMPT_REQUEST.encode(huge).length > maxRequestBytes * 9 / 10);
        List<PromptRequest> requests = new ArrayList<>(List.of(huge));
        for (int i = 0; i < 6; i++) {
            requests.add(Requests.ids("small-" + i, i, 8, 0.8f));
        }
        java.util.concurrent.CountDownLatch tokenizer = new java.util.concurrent.CountDownLatch(1);
        TestEngines.GATES.put(name, tokenizer);
        TestEngines.Counters counters = TestEngines.counters(name);
        cluster.produceRequests(config.kafka().inputTopic(), requests);
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new TestEngines.Gated(
                new SharedEngineProvider(config.engineSettings()), name, 100_000));
        JobClient job = env.executeAsync("huge-prompt");
        try {
            long deadline = System.currentTimeMillis() + 180_000;
            while (cluster.completions(config).size() < 6) {
                assertTrue(System.currentTimeMillis() < deadline, "the small requests were not answered");
                Thread.sleep(200);
            }
            assertEquals(1, counters.inEngine.get(), "the huge prompt is still being tokenized");
            assertTrue(cluster.deadLetters(config).isEmpty());

            tokenizer.countDown();
            while (cluster.deadLetters(config).isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "the huge request was not answered");
                Thread.sleep(200);
            }
        } finally {
            tokenizer.countDown();
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        // Tokenized at last, it is longer than the model's context: the engine's own refusal.
        DeadLetter dead = cluster.deadLetters(config).get(0);
        assertEquals("huge", dead.getRequestId());
        assertEquals("PROMPT_TOO_LONG", dead.getErrorCode());
        assertTrue(dead.getErrorMessage().contains("exceeds the model's context"), dead.getErrorMessage());
        assertEquals(List.of("small-0", "small-1", "small-2", "small-3", "small-4", "small-5"),
                cluster.completions(config).stream().map(Completion::getRequestId).sorted().toList());
    }
}
