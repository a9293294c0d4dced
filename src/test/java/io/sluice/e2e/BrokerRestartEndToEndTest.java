package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The only Kafka broker goes down for 20 seconds mid-stream and comes back (a controlled shutdown and a
 * start on the same port and log directories, as a restarted broker does), while completions are written in
 * an open transaction and not yet committed: no checkpoint runs on its own (the interval is five minutes);
 * the test triggers them once the broker is back, so the timing is fixed.
 *
 * <p>With the Kafka clients' default timeouts the job rides the outage out without a restart, and the
 * transaction that was open across the restart commits afterwards. With client timeouts shorter than the
 * outage the job fails over while the broker is away; the open transaction is then aborted and a
 * read_committed consumer still sees each request answered once — the at-least-once control run shows the
 * duplicates that the transactions prevent.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BrokerRestartEndToEndTest extends E2eClusterTest {
    private static final int REQUESTS = 16;
    /** Completions written (not committed) before the broker goes down. */
    private static final int WRITTEN_BEFORE_OUTAGE = 4;
    private static final long DOWN_MS = 20_000;
    /** Producer and consumer timeouts well below the outage, so that it fails the job over. */
    private static final String[] SHORT_CLIENT_TIMEOUTS = {"kafka.properties.request.timeout.ms=3000",
        "kafka.properties.delivery.timeout.ms=6000", "kafka.properties.max.block.ms=3000"};

    private record Outcome(List<Completion> writtenBeforeOutage, int committedBeforeOutage,
                           List<Completion> committed, int submitted, int deadLetters) {
        Map<String, Integer> countsById() {
            Map<String, Integer> counts = new TreeMap<>();
            committed.forEach(c -> counts.merge(c.getRequestId(), 1, Integer::sum));
            return counts;
        }
    }

    private static List<PromptRequest> requests() {
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(Requests.ids("req-" + i, i, 16, 0.9f));
        }
        return requests;
    }

    private static Map<String, Integer> eachOnce() {
        Map<String, Integer> once = new TreeMap<>();
        requests().forEach(r -> once.put(r.getRequestId(), 1));
        return once;
    }

    private static Outcome runWithOutage(String name, String delivery, String... settings) throws Exception {
        List<String> all = new ArrayList<>(List.of("delivery=" + delivery, "checkpoint-interval-ms=300000",
                "inference.max-in-flight-requests=2", "micro-batch.max-requests=2",
                // The job's default restart strategy (no limit on attempts), with backoffs that suit a test.
                "flink.restart-strategy.type=exponential-delay",
                "flink.restart-strategy.exponential-delay.initial-backoff=200 ms",
                "flink.restart-strategy.exponential-delay.max-backoff=2 s"));
        all.addAll(Arrays.asList(settings));
        JobConfig config = cluster.config(name, all.toArray(String[]::new));
        cluster.produceRequests(config.kafka().inputTopic(), requests());
        TestEngines.Counters counters = TestEngines.counters(name);
        StreamExecutionEnvironment env = cluster.env();
        // Slowed down (a second per request, two at a time) so that completions are still being written for
        // seconds after the broker goes: with short client timeouts, their sends fail during the outage.
        SluicePipeline.kafka(env, config, new TestEngines.Wrapped(new SharedEngineProvider(config.engineSettings()),
                name, 1000, null));
        JobClient job = env.executeAsync("broker-restart-" + name);
        CompletableFuture<?> result = job.getJobExecutionResult();

        long deadline = System.currentTimeMillis() + 90_000;
        List<Completion> written;
        while ((written = cluster.uncommittedCompletions(config)).size() < WRITTEN_BEFORE_OUTAGE) {
            assertTrue(System.currentTimeMillis() < deadline, "no completions were written");
            Thread.sleep(50);
        }
        int committed = cluster.completions(config).size();
        cluster.kafka.stopBroker();
        long stoppedAt = System.nanoTime();
        try {
            // The outage itself (its length is the fault, not a wait for something).
            while (System.nanoTime() - stoppedAt < TimeUnit.MILLISECONDS.toNanos(DOWN_MS)) {
                assertFalse(result.isDone(), "the job ended while the broker was down");
                Thread.sleep(200);
            }
        } finally {
            cluster.kafka.startBroker();
        }
        while (!result.isDone()) {
            // The bounded job finishes at its first checkpoint after the end of input; attempts while the job
            // restarts fail, and the next one follows.
            cluster.flink.triggerCheckpoint(job.getJobID()).exceptionally(e -> null);
            try {
                result.get(500, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                assertTrue(System.currentTimeMillis() < deadline + 150_000, "the job did not finish");
            }
        }
        return new Outcome(written, committed, cluster.completions(config), counters.submitted.get(),
                cluster.deadLetters(config).size());
    }

    @Test
    void withDefaultClientTimeoutsTheJobRidesOutTheOutageAndTheOpenTransactionCommitsAfterIt() throws Exception {
        Outcome run = runWithOutage("ride-out", "exactly-once");

        assertEquals(0, run.committedBeforeOutage(), "a read_committed consumer saw completions before a checkpoint");
        assertEquals(eachOnce(), run.countsById());
        assertEquals(0, run.deadLetters());
        // No failover: each request ran once, and what was written before the outage is what got committed.
        assertEquals(REQUESTS, run.submitted(), "requests run");
        Map<String, String> texts = new HashMap<>();
        run.committed().forEach(c -> texts.put(c.getRequestId(), c.getText()));
        for (Completion first : run.writtenBeforeOutage()) {
            assertEquals(first.getText(), texts.get(first.getRequestId()), first.getRequestId());
        }
    }

    @Test
    void exactlyOnceHoldsWhenTheOutageFailsTheJobOver() throws Exception {
        Outcome run = runWithOutage("fail-over", "exactly-once", SHORT_CLIENT_TIMEOUTS);

        assertEquals(0, run.committedBeforeOutage(), "a read_committed consumer saw completions before a checkpoint");
        assertEquals(eachOnce(), run.countsById());
        assertEquals(0, run.deadLetters());
        // The job failed over: the requests answered before the outage ran again.
        assertTrue(run.submitted() >= REQUESTS + run.writtenBeforeOutage().size(), "submitted " + run.submitted());
    }

    @Test
    void atLeastOnceControlRunDuplicatesWhatWasWrittenBeforeTheOutage() throws Exception {
        Outcome run = runWithOutage("at-least-once", "at-least-once", SHORT_CLIENT_TIMEOUTS);

        Map<String, Integer> counts = run.countsById();
        assertEquals(REQUESTS, counts.size(), "every request answered");
        for (Completion first : run.writtenBeforeOutage()) {
            assertTrue(counts.get(first.getRequestId()) >= 2, "no duplicate of " + first.getRequestId());
        }
    }
}
