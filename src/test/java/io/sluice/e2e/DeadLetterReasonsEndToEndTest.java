package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.JobConfig;
import io.sluice.job.SluicePipeline;
import io.sluice.operators.inference.SharedEngineProvider;
import io.sluice.operators.validate.DeadLetterReason;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.Message;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.Timings;
import io.sluice.schemas.Usage;
import io.sluice.schemas.Worker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every dead-letter reason, produced end to end by one job — by the validator, by the inference operator's
 * checks, and by the real engine's refusals (a prompt over the context, one that the KV pool cannot hold, a
 * conversation for a model without chat template) — each dead letter carrying the exact bytes it came from.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DeadLetterReasonsEndToEndTest extends E2eClusterTest {
    /** Eight KV blocks of 16 tokens for shakespeare.gguf (6 layers × 2 KV heads × 32 dims, F32, K and V). */
    private static final long EIGHT_KV_BLOCKS = 8L * 16 * 2 * 6 * 64 * 4;

    private final Map<String, byte[]> originals = new LinkedHashMap<>();
    private final Map<String, String> expected = new TreeMap<>();

    private void bad(String id, DeadLetterReason reason, Consumer<PromptRequest> change) {
        PromptRequest r = Requests.ids(id, 3, 6, 0.5f);
        change.accept(r);
        originals.put(id, AvroCodec.PROMPT_REQUEST.encode(r));
        expected.put(id, reason.name());
    }

    @Test
    void everyReasonReachesTheDeadLetterTopicWithTheOriginalBytes() throws Exception {
        JobConfig config = cluster.config("reasons", "model.kv-cache-bytes=" + EIGHT_KV_BLOCKS,
                "limits.max-request-bytes=4096");
        byte[] notAvro = "definitely not avro \u00e9".getBytes(StandardCharsets.UTF_8);
        byte[] aCompletion = AvroCodec.COMPLETION.encode(Completion.newBuilder().setRequestId("c").setModel("m")
                .setText("").setTokenIds(List.of()).setFinishReason("stop").setUsage(new Usage(1, 0, 0))
                .setTimings(new Timings(0.0, 0.0, 0.0, 0.0, 0.0)).setWorker(new Worker("h", 0, "cpu")).build());
        byte[] tooLarge = AvroCodec.PROMPT_REQUEST.encode(Requests.text("too-large", "ROMEO: " + "x".repeat(5000), 4));
        // The validator.
        bad("two-inputs", DeadLetterReason.INVALID_REQUEST, r -> r.setPrompt("ROMEO:"));
        bad("empty", DeadLetterReason.EMPTY_PROMPT, r -> r.setPromptIds(List.of()));
        bad("too-long", DeadLetterReason.PROMPT_TOO_LONG, r -> r.setPromptIds(Requests.promptIds(1, 300)));
        bad("nan", DeadLetterReason.INVALID_PARAMETERS, r -> r.getSampling().setTemperature(Float.NaN));
        bad("unknown-model", DeadLetterReason.UNKNOWN_MODEL, r -> r.setModel("llama-405b"));
        // The inference operator, before the engine.
        bad("out-of-vocabulary", DeadLetterReason.TOKEN_OUT_OF_VOCABULARY, r -> r.setPromptIds(List.of(1, 99999)));
        bad("late", DeadLetterReason.DEADLINE_EXCEEDED, r -> r.setDeadline(1L));
        // The engine: 200 prompt tokens + 100 over the context of 256; 100 + 100 within it, but 13 KV blocks.
        bad("engine-over-context", DeadLetterReason.PROMPT_TOO_LONG, r -> {
            r.setPromptIds(Requests.promptIds(2, 200));
            r.getSampling().setMaxTokens(100);
        });
        bad("engine-does-not-fit", DeadLetterReason.PROMPT_TOO_LONG, r -> {
            r.setPromptIds(Requests.promptIds(2, 100));
            r.getSampling().setMaxTokens(100);
        });
        bad("engine-template", DeadLetterReason.TEMPLATE_ERROR, r -> {
            r.setPromptIds(null);
            r.setMessages(List.of(new Message("user", "Good morrow")));
        });
        // Refusals the bundled model never gives, injected with the engine's own codes.
        bad("fail-engine-INVALID_REQUEST-1", DeadLetterReason.INVALID_PARAMETERS, r -> { });
        bad("fail-engine-1", DeadLetterReason.ENGINE_FAILURE, r -> { });
        List<byte[]> records = new ArrayList<>(List.of(notAvro, aCompletion, tooLarge));
        records.addAll(originals.values());
        List<String> good = List.of("good-0", "good-1");
        good.forEach(id -> records.add(AvroCodec.PROMPT_REQUEST.encode(Requests.ids(id, 5, 6, 0f))));
        cluster.produce(config.kafka().inputTopic(), records);

        StreamExecutionEnvironment env = cluster.env();
        SluicePipeline.kafka(env, config, new TestEngines.Wrapped(new SharedEngineProvider(config.engineSettings()),
                "reasons", 0, "fail-engine-"));
        env.executeAsync("dead-letter-reasons").getJobExecutionResult().get(2, TimeUnit.MINUTES);

        List<DeadLetter> dead = cluster.deadLetters(config);
        Map<String, String> reasons = new TreeMap<>();
        for (DeadLetter d : dead) {
            String key = d.getRequestId() != null ? d.getRequestId() : d.getErrorCode();
            assertEquals(null, reasons.put(key, d.getErrorCode()), "one dead letter for " + key);
            byte[] original = switch (key) {
                case "UNDECODABLE" -> notAvro;
                case "WRONG_SCHEMA" -> aCompletion;
                case "REQUEST_TOO_LARGE" -> tooLarge;
                default -> originals.get(key);
            };
            assertArrayEquals(original, bytes(d.getOriginal()), "original bytes of " + key);
            assertEquals(config.kafka().inputTopic(), d.getTopic());
            assertTrue(d.getErrorMessage() != null && !d.getErrorMessage().isBlank(), key);
        }
        Map<String, String> expectedAll = new TreeMap<>(expected);
        expectedAll.put("UNDECODABLE", "UNDECODABLE");
        expectedAll.put("WRONG_SCHEMA", "WRONG_SCHEMA");
        expectedAll.put("REQUEST_TOO_LARGE", "REQUEST_TOO_LARGE");
        assertEquals(expectedAll, reasons);
        Set<String> all = Arrays.stream(DeadLetterReason.values()).map(Enum::name).collect(Collectors.toSet());
        assertEquals(all, Set.copyOf(reasons.values()), "every reason at least once");
        // The engine's refusals are the engine's, not the validator's.
        Map<String, String> messages = dead.stream().filter(d -> d.getRequestId() != null)
                .collect(Collectors.toMap(DeadLetter::getRequestId, DeadLetter::getErrorMessage));
        assertTrue(messages.get("engine-over-context").contains("exceeds the model's context"),
                messages.get("engine-over-context"));
        assertTrue(messages.get("engine-does-not-fit").contains("KV blocks"), messages.get("engine-does-not-fit"));
        assertTrue(messages.get("engine-template").contains("engine-template"), messages.get("engine-template"));
        assertEquals(good, cluster.completions(config).stream().map(Completion::getRequestId).sorted().toList());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
