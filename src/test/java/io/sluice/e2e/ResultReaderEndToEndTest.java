package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.job.local.ResultReader;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo's reader of results follows the output topics' format (here json, as with demo --set). */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ResultReaderEndToEndTest extends E2eClusterTest {

    @Test
    void readsCompletionsAndDeadLettersOfJsonTopics() throws Exception {
        JobConfig config = cluster.config("reader-json", "kafka.output-format=json");
        byte[] bad = "not a request \u00ff".getBytes(StandardCharsets.UTF_8);
        List<byte[]> records = new ArrayList<>(List.of(bad));
        records.add(AvroCodec.PROMPT_REQUEST.encode(Requests.ids("r-0", 0, 5, 0f)));
        records.add(AvroCodec.PROMPT_REQUEST.encode(Requests.ids("r-1", 1, 5, 0f)));
        cluster.produce(config.kafka().inputTopic(), records);
        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new SharedEngineProvider(config.engineSettings()));
        env.executeAsync("reader-json").getJobExecutionResult().get(2, TimeUnit.MINUTES);

        List<ResultReader.Result> results = new ArrayList<>();
        try (ResultReader reader = new ResultReader(cluster.kafka.bootstrapServers(), config.kafka().outputTopic(),
                config.kafka().deadLetterTopic(), config.kafka().outputTopicFormat(),
                config.schemaRegistry().settings())) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (results.size() < 3) {
                assertTrue(System.currentTimeMillis() < deadline, "read " + results);
                results.addAll(reader.poll(Duration.ofMillis(200)));
            }
        }
        assertEquals(List.of("r-0", "r-1"), results.stream().filter(ResultReader.Result::isCompletion)
                .map(r -> r.completion().getRequestId()).sorted().toList());
        results.stream().filter(ResultReader.Result::isCompletion).forEach(r -> {
            assertEquals("e2e", r.completion().getAttributes().get("suite"));
            assertTrue(r.completion().getUsage().getCompletionTokens() >= 1);
        });
        DeadLetter dead = results.stream().filter(r -> !r.isCompletion()).findFirst().orElseThrow().deadLetter();
        assertEquals("UNDECODABLE", dead.getErrorCode());
        ByteBuffer original = dead.getOriginal().duplicate();
        byte[] bytes = new byte[original.remaining()];
        original.get(bytes);
        assertArrayEquals(bad, bytes);
    }
}
