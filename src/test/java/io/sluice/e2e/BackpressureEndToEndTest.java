package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.PromptRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slow engine backpressures the Kafka source: although every prompt is on the topic from the start,
 * the job takes in only as many requests as it has room for (in flight, one micro-batch), so its memory
 * stays bounded and the source follows the engine's pace.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BackpressureEndToEndTest extends E2eClusterTest {
    private static final int REQUESTS = 160;
    private static final int IN_FLIGHT = 4;
    private static final int BATCH = 4;


    @Test
    void aSlowEngineSlowsTheSourceAndBoundsWhatTheJobHolds() throws Exception {
        JobConfig config = cluster.config("backpressure", "inference.max-in-flight-requests=" + IN_FLIGHT,
                "micro-batch.max-requests=" + BATCH, "micro-batch.max-wait-ms=50");
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(Requests.ids("bp-" + i, i, 4, 0f));
        }
        cluster.produceRequests(config.kafka().inputTopic(), requests);
        TestEngines.Counters engine = TestEngines.counters("backpressure");

        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new TestEngines.Wrapped(new SharedEngineProvider(config.engineSettings()),
                "backpressure", 100, null));
        JobClient job = env.executeAsync("backpressure-e2e");

        // The most requests between the source and the end of the engine: in flight, plus the rest of one
        // micro-batch waiting for room, plus the micro-batcher's next batch.
        int bound = IN_FLIGHT + 2 * BATCH;
        int maxHeld = 0;
        int samples = 0;
        long readWhenHalfDone = -1;
        while (!job.getJobStatus().get().isTerminalState()) {
            long read = recordsRead(job.getJobID());
            int finished = engine.finished.get();
            if (read > 0) {
                samples++;
                maxHeld = (int) Math.max(maxHeld, read - finished);
                if (readWhenHalfDone < 0 && finished >= REQUESTS / 2) {
                    readWhenHalfDone = read;
                }
            }
            Thread.sleep(50);
        }
        job.getJobExecutionResult().get(1, TimeUnit.MINUTES);

        assertTrue(samples > 20, "too few samples: " + samples);
        assertTrue(maxHeld <= bound, "the job held " + maxHeld + " requests (bound " + bound + ")");
        assertTrue(readWhenHalfDone > 0 && readWhenHalfDone <= REQUESTS / 2 + bound,
                "when half was done the source had read " + readWhenHalfDone + " of " + REQUESTS);
        assertTrue(engine.maxInEngine.get() <= IN_FLIGHT, "in the engine at once: " + engine.maxInEngine.get());
        assertEquals(IN_FLIGHT, engine.maxInEngine.get(), "the engine was kept busy");
        assertEquals(REQUESTS, cluster.completions(config).size());
    }

    /** Records the validation step has taken from the source (Flink's own operator metric). */
    private static long recordsRead(JobID job) {
        return cluster.metrics.findMetrics(job, "numRecordsIn").entrySet().stream()
                .filter(e -> e.getKey().contains(".validate.") && e.getValue() instanceof Counter)
                .mapToLong(e -> ((Counter) e.getValue()).getCount()).sum();
    }
}
