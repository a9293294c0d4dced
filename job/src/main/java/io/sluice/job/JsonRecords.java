package io.sluice.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Completions and dead letters as JSON objects (one line each): the files of bulk jobs, the json format of
 * the Kafka topics, and what {@code sluice consume} prints. Dead letters carry the original bytes in
 * {@code original_base64}, and also as {@code original} text when they are valid UTF-8.
 */
public final class JsonRecords {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonRecords() {
    }

    public static ObjectNode completion(Completion c) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("request_id", c.getRequestId());
        o.put("model", c.getModel());
        o.put("text", c.getText());
        ArrayNode ids = o.putArray("token_ids");
        c.getTokenIds().forEach(ids::add);
        o.put("finish_reason", c.getFinishReason());
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", c.getUsage().getPromptTokens());
        usage.put("cached_tokens", c.getUsage().getCachedTokens());
        usage.put("completion_tokens", c.getUsage().getCompletionTokens());
        ObjectNode timings = o.putObject("timings");
        timings.put("batch_wait_ms", c.getTimings().getBatchWaitMs());
        timings.put("queued_ms", c.getTimings().getQueuedMs());
        timings.put("first_token_ms", c.getTimings().getFirstTokenMs());
        timings.put("total_ms", c.getTimings().getTotalMs());
        timings.put("time_per_output_token_ms", c.getTimings().getTimePerOutputTokenMs());
        ObjectNode worker = o.putObject("worker");
        worker.put("host", c.getWorker().getHost());
        worker.put("subtask", c.getWorker().getSubtask());
        worker.put("device", c.getWorker().getDevice());
        attributes(o, c.getAttributes());
        o.put("request_created_at", c.getRequestCreatedAt());
        o.put("created_at", c.getCreatedAt());
        return o;
    }

    public static ObjectNode deadLetter(DeadLetter d) {
        ObjectNode o = MAPPER.createObjectNode();
        ByteBuffer original = d.getOriginal().duplicate();
        byte[] bytes = new byte[original.remaining()];
        original.get(bytes);
        // The bytes themselves, always; and as text too when they are UTF-8 (JSON on a JSON topic), for jq.
        o.put("original_base64", Base64.getEncoder().encodeToString(bytes));
        String text = utf8(bytes);
        if (text != null) {
            o.put("original", text);
        }
        o.put("topic", d.getTopic());
        o.put("partition", d.getPartition());
        o.put("offset", d.getOffset());
        o.put("request_id", d.getRequestId());
        o.put("error_code", d.getErrorCode());
        o.put("error_message", d.getErrorMessage());
        attributes(o, d.getAttributes());
        o.put("failed_at", d.getFailedAt());
        if (d.getTruncated()) {
            o.put("truncated", true);
            o.put("original_size", d.getOriginalSize());
            o.put("original_sha256", d.getOriginalSha256());
        }
        return o;
    }

    public static String line(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void attributes(ObjectNode o, Map<String, String> attributes) {
        ObjectNode a = o.putObject("attributes");
        if (attributes != null) {
            attributes.forEach(a::put);
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
