package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.EngineProvider;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop with a savepoint while requests are in the engine and in the micro-batcher's buffer, restore with
 * another parallelism (1 → 2, 2 → 1), and every request is answered exactly once: a read_committed consumer
 * sees each request id once, none missing, and the restored job runs each unanswered request once.
 *
 * <p>The first run holds every request whose id starts with {@code hold-} in the engine forever, and its
 * micro-batcher waits ten minutes for a batch to fill: when the savepoint is taken, the held requests are
 * in flight in the inference operator's state and the last requests of each partition in the batcher's
 * buffer, for certain (both are checked before stopping). Prompts written while the job is stopped test the
 * source's offsets in the savepoint.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SavepointRescaleEndToEndTest extends E2eClusterTest {
    private static final int PARTITIONS = 2;
    /** Requests per partition before the savepoint; a micro-batch holds 4, so 3 stay buffered per partition. */
    private static final int BEFORE = 7;
    /** Requests per partition written while the job is stopped. */
    private static final int WHILE_STOPPED = 3;

    @TempDir
    Path savepoints;

    @Test
    void scalingUpFromOneToTwoAnswersEachRequestExactlyOnce() throws Exception {
        Outcome run = stopAndRestore("up", 1, 2);
        // The requests held in flight at the savepoint were split between the two new subtasks.
        Set<Integer> subtasks = run.restoredHeldAnsweredBy();
        assertEquals(Set.of(0, 1), subtasks, "subtasks that answered the requests in flight at the savepoint");
    }

    @Test
    void scalingDownFromTwoToOneAnswersEachRequestExactlyOnce() throws Exception {
        stopAndRestore("down", 2, 1);
    }

    private static List<PromptRequest> requests(String wave, int partition, int count) {
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Before the savepoint, every other request is held in the engine.
            String kind = wave.equals("before") && i % 2 == 0 ? "hold" : "run";
            requests.add(Requests.ids(kind + "-" + wave + "-p" + partition + "-" + i, partition * 100 + i, 8, 0.9f));
        }
        return requests;
    }

    private Outcome stopAndRestore(String name, int from, int to) throws Exception {
        JobConfig first = cluster.config("rescale-" + name, "parallelism=" + from, "kafka.stop-at-latest=false",
                "checkpoint-interval-ms=300000", "micro-batch.max-requests=4", "micro-batch.max-wait-ms=600000",
                "inference.max-in-flight-requests=16");
        String topic = first.kafka().inputTopic();
        Set<String> all = new TreeSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            List<PromptRequest> wave = requests("before", p, BEFORE);
            cluster.produceRequests(topic, p, wave);
            wave.forEach(r -> all.add(r.getRequestId()));
        }

        // Run 1: wait until every prompt is read, every request that can finish has its completion written,
        // and requests are held in the engine and buffered in the batcher; then stop with a savepoint.
        TestEngines.Counters held = TestEngines.counters("rescale-" + name + "-1");
        JobID job1 = submit(first, new TestEngines.Holding(new SharedEngineProvider(first.engineSettings()),
                "rescale-" + name + "-1", "hold-"), SavepointRestoreSettings.none());
        int read = PARTITIONS * BEFORE;
        await("run 1 to read every prompt and write the completions it can", () ->
                held.submitted.get() + gauge(job1, "sluice.bufferedRequests") == read
                        && held.inEngine.get() == held.held.get()
                        && cluster.uncommittedCompletions(first).size() == held.finished.get());
        int inFlight = held.held.get();
        long buffered = gauge(job1, "sluice.bufferedRequests");
        assertTrue(inFlight > 0, "no request in flight at the savepoint");
        assertTrue(buffered > 0, "no request in the micro-batcher at the savepoint");
        assertEquals(0, cluster.completions(first).size(), "committed before the savepoint");
        String savepoint = cluster.flink.stopWithSavepoint(job1, savepoints.toUri().toString(), false,
                SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
        awaitTerminal(job1);
        List<Completion> answeredBefore = cluster.completions(first);
        assertTrue(answeredBefore.size() > 0, "nothing answered before the savepoint");
        assertEquals(read - inFlight - buffered, answeredBefore.size(), "committed by the savepoint");
        assertTrue(answeredBefore.stream().noneMatch(c -> c.getRequestId().startsWith("hold-")));

        for (int p = 0; p < PARTITIONS; p++) {
            List<PromptRequest> wave = requests("stopped", p, WHILE_STOPPED);
            cluster.produceRequests(topic, p, wave);
            wave.forEach(r -> all.add(r.getRequestId()));
        }

        // Run 2 from the savepoint with the new parallelism; nothing is held now.
        JobConfig second = cluster.sameJob(first, "parallelism=" + to, "kafka.stop-at-latest=false",
                "checkpoint-interval-ms=300", "micro-batch.max-requests=4", "micro-batch.max-wait-ms=20",
                "inference.max-in-flight-requests=16");
        TestEngines.Counters rerun = TestEngines.counters("rescale-" + name + "-2");
        JobID job2 = submit(second, new TestEngines.Wrapped(new SharedEngineProvider(second.engineSettings()),
                "rescale-" + name + "-2", 0, null), SavepointRestoreSettings.forPath(savepoint, false));
        await("run 2 to commit a completion of every request", () ->
                ids(cluster.completions(second)).keySet().containsAll(all));
        // A draining stop answers whatever is still in the job's state and commits it: any duplicate a broken
        // restore would make is on the topic afterwards.
        cluster.flink.stopWithSavepoint(job2, savepoints.toUri().toString(), true, SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        awaitTerminal(job2);

        List<Completion> committed = cluster.completions(second);
        Map<String, Integer> once = new TreeMap<>();
        all.forEach(id -> once.put(id, 1));
        assertEquals(once, ids(committed), "completions per request id (read_committed)");
        assertEquals(0, cluster.deadLetters(second).size(), "dead letters");
        // The restored job ran each request that had no committed completion once: the ones in flight, the
        // buffered ones and those written while it was stopped.
        assertEquals(all.size() - answeredBefore.size(), rerun.submitted.get(), "requests run after the restore");
        return new Outcome(committed);
    }

    private record Outcome(List<Completion> committed) {
        Set<Integer> restoredHeldAnsweredBy() {
            return committed.stream().filter(c -> c.getRequestId().startsWith("hold-"))
                    .map(c -> c.getWorker().getSubtask()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Map<String, Integer> ids(List<Completion> completions) {
        Map<String, Integer> counts = new TreeMap<>();
        completions.forEach(c -> counts.merge(c.getRequestId(), 1, Integer::sum));
        return counts;
    }

    /** Submits the job to the MiniCluster, restoring the savepoint the settings name. */
    private static JobID submit(JobConfig config, EngineProvider provider, SavepointRestoreSettings restore)
            throws Exception {
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, provider);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        graph.setSavepointRestoreSettings(restore);
        return cluster.flink.submitJob(graph).get(1, TimeUnit.MINUTES).getJobID();
    }

    /** The sum of a gauge over the job's subtasks (0 while it is not registered yet). */
    private static long gauge(JobID job, String name) {
        return cluster.metrics.findMetrics(job, name).values().stream().filter(m -> m instanceof Gauge<?>)
                .mapToLong(m -> ((Number) ((Gauge<?>) m).getValue()).longValue()).sum();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(100);
        }
    }

    private static void awaitTerminal(JobID job) throws Exception {
        JobResult result = cluster.flink.requestJobResult(job).get(2, TimeUnit.MINUTES);
        assertTrue(result.isSuccess(), "job " + job + ": " + result.getSerializedThrowable());
    }
}
