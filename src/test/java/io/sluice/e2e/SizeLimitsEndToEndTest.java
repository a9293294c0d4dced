package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Records near Kafka's size limits: requests over {@code limits.max-request-bytes} are dead letters without
 * being decoded, a completion carries large attributes whole, and a dead letter keeps only the first
 * {@code limits.dead-letter-original-bytes} of its record (with size and SHA-256) — so that nothing the job
 * writes exceeds the producer's {@code max.request.size}, which would fail the sink on every restart.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SizeLimitsEndToEndTest extends E2eClusterTest {
    private static final int MAX_REQUEST_SIZE = 512 * 1024;
    private static final int MAX_REQUEST_BYTES = 128 * 1024;
    private static final int KEPT = 16 * 1024;

    private static PromptRequest withAttribute(String id, int attributeChars) {
        PromptRequest r = Requests.ids(id, 4, 4, 0f);
        char[] filler = new char[attributeChars];
        Arrays.fill(filler, 'x');
        r.setAttributes(Map.of("blob", new String(filler)));
        return r;
    }

    @Test
    void largeRecordsAreAnsweredOrDeadLetteredWithoutEverExceedingTheProducersLimit() throws Exception {
        JobConfig config = cluster.config("sizes", "kafka.properties.max.request.size=" + MAX_REQUEST_SIZE,
                "limits.max-request-bytes=" + MAX_REQUEST_BYTES, "limits.dead-letter-original-bytes=" + KEPT);
        Map<String, byte[]> records = new LinkedHashMap<>();
        // Near the broker's default message.max.bytes (1048588): twice the job producer's own limit.
        records.put("near-kafka-max", AvroCodec.PROMPT_REQUEST.encode(withAttribute("near-kafka-max", 1_000_000)));
        records.put("just-over", AvroCodec.PROMPT_REQUEST.encode(withAttribute("just-over", MAX_REQUEST_BYTES)));
        PromptRequest emptyButLarge = withAttribute("empty-but-large", 100_000);
        emptyButLarge.setPromptIds(List.of());
        records.put("empty-but-large", AvroCodec.PROMPT_REQUEST.encode(emptyButLarge));
        PromptRequest small = Requests.ids("small-bad", 1, 4, 0f);
        small.setModel("unknown");
        records.put("small-bad", AvroCodec.PROMPT_REQUEST.encode(small));
        PromptRequest large = withAttribute("large-attributes", 120_000);
        records.put("large-attributes", AvroCodec.PROMPT_REQUEST.encode(large));
        assertTrue(records.get("large-attributes").length <= MAX_REQUEST_BYTES);
        assertTrue(records.get("just-over").length > MAX_REQUEST_BYTES);
        cluster.produce(config.kafka().inputTopic(), List.copyOf(records.values()));

        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new SharedEngineProvider(config.engineSettings()));
        env.executeAsync("size-limits").getJobExecutionResult().get(2, TimeUnit.MINUTES);

        List<Completion> completions = cluster.completions(config);
        assertEquals(List.of("large-attributes"), completions.stream().map(Completion::getRequestId).toList());
        assertEquals(large.getAttributes(), completions.get(0).getAttributes());

        // Undecoded records have no request id: tell them apart by their whole size.
        Map<Long, DeadLetter> bySize = cluster.deadLetters(config).stream()
                .collect(Collectors.toMap(DeadLetter::getOriginalSize, d -> d, (a, b) -> {
                    throw new AssertionError("two dead letters of one size");
                }, TreeMap::new));
        assertEquals(4, bySize.size());
        for (String id : List.of("near-kafka-max", "just-over", "empty-but-large", "small-bad")) {
            byte[] original = records.get(id);
            DeadLetter d = bySize.get((long) original.length);
            assertTrue(d != null, "no dead letter for " + id);
            String reason = switch (id) {
                case "near-kafka-max", "just-over" -> "REQUEST_TOO_LARGE";
                case "empty-but-large" -> "EMPTY_PROMPT";
                default -> "UNKNOWN_MODEL";
            };
            assertEquals(reason, d.getErrorCode(), id);
            if (original.length > KEPT) {
                assertTrue(d.getTruncated(), id);
                assertArrayEquals(Arrays.copyOf(original, KEPT), bytes(d.getOriginal()), id);
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original)),
                        d.getOriginalSha256(), id);
            } else {
                assertFalse(d.getTruncated(), id);
                assertArrayEquals(original, bytes(d.getOriginal()), id);
                assertNull(d.getOriginalSha256(), id);
            }
        }
        assertEquals("empty-but-large", bySize.get((long) records.get("empty-but-large").length).getRequestId());
        assertEquals(emptyButLarge.getAttributes(),
                bySize.get((long) records.get("empty-but-large").length).getAttributes());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
