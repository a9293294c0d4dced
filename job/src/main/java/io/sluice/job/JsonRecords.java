package io.sluice.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.Timings;
import io.sluice.schemas.Usage;
import io.sluice.schemas.Worker;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** The completion of a JSON object written by {@link #completion}: the json format's reader. */
    public static Completion parseCompletion(JsonNode o) {
        List<Integer> ids = new ArrayList<>();
        o.path("token_ids").forEach(id -> ids.add(id.asInt()));
        JsonNode usage = o.path("usage");
        JsonNode timings = o.path("timings");
        JsonNode worker = o.path("worker");
        return Completion.newBuilder()
                .setRequestId(required(o, "request_id").asText())
                .setModel(o.path("model").asText(""))
                .setText(o.path("text").asText(""))
                .setTokenIds(ids)
                .setFinishReason(o.path("finish_reason").asText(""))
                .setUsage(new Usage(usage.path("prompt_tokens").asInt(), usage.path("cached_tokens").asInt(),
                        usage.path("completion_tokens").asInt()))
                .setTimings(new Timings(timings.path("batch_wait_ms").asDouble(), timings.path("queued_ms").asDouble(),
                        timings.path("first_token_ms").asDouble(), timings.path("total_ms").asDouble(),
                        timings.path("time_per_output_token_ms").asDouble()))
                .setWorker(new Worker(worker.path("host").asText(""), worker.path("subtask").asInt(),
                        worker.path("device").asText("")))
                .setAttributes(parseAttributes(o))
                .setRequestCreatedAt(o.path("request_created_at").asLong())
                .setCreatedAt(o.path("created_at").asLong())
                .build();
    }

    /** The dead letter of a JSON object written by {@link #deadLetter}. */
    public static DeadLetter parseDeadLetter(JsonNode o) {
        JsonNode requestId = o.path("request_id");
        DeadLetter.Builder b = DeadLetter.newBuilder()
                .setOriginal(ByteBuffer.wrap(Base64.getDecoder().decode(required(o, "original_base64").asText())))
                .setTopic(o.path("topic").asText(""))
                .setPartition(o.path("partition").asInt(-1))
                .setOffset(o.path("offset").asLong(-1))
                .setRequestId(requestId.isTextual() ? requestId.asText() : null)
                .setErrorCode(required(o, "error_code").asText())
                .setErrorMessage(o.path("error_message").asText(""))
                .setAttributes(parseAttributes(o))
                .setFailedAt(o.path("failed_at").asLong());
        if (o.path("truncated").asBoolean(false)) {
            b.setTruncated(true).setOriginalSize(o.path("original_size").asLong(-1))
                    .setOriginalSha256(o.path("original_sha256").asText(null));
        }
        return b.build();
    }

    private static JsonNode required(JsonNode o, String field) {
        JsonNode value = o.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("no " + field + " in " + o);
        }
        return value;
    }

    private static Map<String, String> parseAttributes(JsonNode o) {
        Map<String, String> attributes = new LinkedHashMap<>();
        o.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asText()));
        return attributes;
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
