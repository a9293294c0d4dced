package io.sluice.operators.validate;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.schemas.Message;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import io.sluice.schemas.RecordDecodeException.Kind;
import io.sluice.schemas.SamplingParameters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A request as one JSON object with the fields of the PromptRequest schema (snake_case, {@code sampling} as
 * a nested object; absent fields take the schema's defaults): the one JSON request format, read by the topic's
 * JSON format, bulk jobs, the sample prompts in {@code conf/}, {@code sluice produce} and {@code sluice batch}.
 * Malformed JSON is UNDECODABLE; unknown fields or wrong types are WRONG_SCHEMA (an old flat spelling such as
 * {@code id} names its replacement). {@code NaN} and {@code Infinity} are accepted as numbers so that
 * validation names them.
 */
public final class JsonRequestDecoder implements RequestDecoder {
    private static final long serialVersionUID = 1L;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final Set<String> FIELDS = Set.of("request_id", "prompt", "prompt_ids", "messages", "model",
            "sampling", "priority", "deadline", "speculate", "attributes", "created_at");
    private static final Set<String> SAMPLING_FIELDS = Set.of("max_tokens", "temperature", "top_p", "top_k",
            "min_p", "repetition_penalty", "seed", "stop");
    /**
     * Spellings of the flat JSON-lines format that {@code sluice batch} once read, with the field that replaced
     * each: an old file then fails with the fix named instead of a bare "unknown field".
     */
    private static final Map<String, String> REPLACED = Map.of(
            "id", "request_id",
            "repeat_penalty", "sampling.repetition_penalty",
            "sampling.repeat_penalty", "sampling.repetition_penalty",
            "max_tokens", "sampling.max_tokens",
            "temperature", "sampling.temperature",
            "top_p", "sampling.top_p",
            "top_k", "sampling.top_k",
            "min_p", "sampling.min_p",
            "seed", "sampling.seed",
            "stop", "sampling.stop");

    @Override
    public PromptRequest decode(byte[] bytes) throws RecordDecodeException {
        JsonNode root;
        try {
            JsonParser parser = MAPPER.createParser(bytes);
            root = MAPPER.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                throw new RecordDecodeException(Kind.UNDECODABLE, "trailing data after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new RecordDecodeException(Kind.UNDECODABLE, TopicFormat.JSON.expected() + ": malformed JSON: "
                    + e.getOriginalMessage() + RecordSniffer.looksLike(bytes));
        } catch (IOException e) {
            throw new RecordDecodeException(Kind.UNDECODABLE, TopicFormat.JSON.expected() + ": unreadable JSON: "
                    + e.getMessage() + RecordSniffer.looksLike(bytes));
        }
        if (root == null) {
            throw new RecordDecodeException(Kind.UNDECODABLE, TopicFormat.JSON.expected() + ": the record is empty");
        }
        if (!(root instanceof ObjectNode object)) {
            throw new RecordDecodeException(Kind.WRONG_SCHEMA, "a request must be a JSON object");
        }
        return fromJson(object);
    }

    /** Maps a JSON object to a request (also used to produce the sample prompts as Avro). */
    public static PromptRequest fromJson(ObjectNode json) throws RecordDecodeException {
        checkFields(json, FIELDS, "");
        PromptRequest.Builder b = PromptRequest.newBuilder();
        b.setRequestId(json.has("request_id") ? text(json, "request_id") : "");
        if (present(json, "prompt")) {
            b.setPrompt(text(json, "prompt"));
        }
        if (present(json, "prompt_ids")) {
            List<Integer> ids = new ArrayList<>();
            for (JsonNode id : array(json, "prompt_ids")) {
                if (!id.canConvertToInt() || !id.isIntegralNumber()) {
                    throw wrong("prompt_ids must be integers");
                }
                ids.add(id.intValue());
            }
            b.setPromptIds(ids);
        }
        if (present(json, "messages")) {
            List<Message> messages = new ArrayList<>();
            for (JsonNode m : array(json, "messages")) {
                if (!(m instanceof ObjectNode message)) {
                    throw wrong("messages must be objects with role and content");
                }
                checkFields(message, Set.of("role", "content"), "messages.");
                messages.add(new Message(text(message, "role"), text(message, "content")));
            }
            b.setMessages(messages);
        }
        if (present(json, "model")) {
            b.setModel(text(json, "model"));
        }
        if (present(json, "sampling")) {
            if (!(json.get("sampling") instanceof ObjectNode sampling)) {
                throw wrong("sampling must be an object");
            }
            b.setSampling(sampling(sampling));
        }
        if (present(json, "priority")) {
            b.setPriority(integer(json, "priority"));
        }
        if (present(json, "deadline")) {
            b.setDeadline(longValue(json, "deadline"));
        }
        if (present(json, "speculate")) {
            if (!json.get("speculate").isBoolean()) {
                throw wrong("speculate must be true or false");
            }
            b.setSpeculate(json.get("speculate").booleanValue());
        }
        if (present(json, "attributes")) {
            if (!(json.get("attributes") instanceof ObjectNode attributes)) {
                throw wrong("attributes must be an object of strings");
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw wrong("attribute " + e.getKey() + " must be a string");
                }
                map.put(e.getKey(), e.getValue().textValue());
            }
            b.setAttributes(map);
        }
        if (present(json, "created_at")) {
            b.setCreatedAt(longValue(json, "created_at"));
        }
        return b.build();
    }

    private static SamplingParameters sampling(ObjectNode json) throws RecordDecodeException {
        checkFields(json, SAMPLING_FIELDS, "sampling.");
        SamplingParameters.Builder s = SamplingParameters.newBuilder();
        if (present(json, "max_tokens")) {
            s.setMaxTokens(integer(json, "max_tokens"));
        }
        if (present(json, "temperature")) {
            s.setTemperature(number(json, "temperature"));
        }
        if (present(json, "top_p")) {
            s.setTopP(number(json, "top_p"));
        }
        if (present(json, "top_k")) {
            s.setTopK(integer(json, "top_k"));
        }
        if (present(json, "min_p")) {
            s.setMinP(number(json, "min_p"));
        }
        if (present(json, "repetition_penalty")) {
            s.setRepetitionPenalty(number(json, "repetition_penalty"));
        }
        if (present(json, "seed")) {
            s.setSeed(longValue(json, "seed"));
        }
        if (present(json, "stop")) {
            List<String> stop = new ArrayList<>();
            for (JsonNode n : array(json, "stop")) {
                if (!n.isTextual()) {
                    throw wrong("stop must be strings");
                }
                stop.add(n.textValue());
            }
            s.setStop(stop);
        }
        return s.build();
    }

    private static void checkFields(ObjectNode json, Set<String> allowed, String prefix) throws RecordDecodeException {
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw wrong(REPLACED.containsKey(prefix + name) ? replaced(prefix + name)
                        : "unknown field " + prefix + name);
            }
        }
    }

    /**
     * The refusal of the first field spelled as in the old flat format, naming its replacement; empty when
     * there is none. {@code sluice batch} ends its run on such a line instead of answering it.
     */
    public static Optional<String> formerSpelling(ObjectNode json) {
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (REPLACED.containsKey(name)) {
                return Optional.of(replaced(name));
            }
        }
        if (json.get("sampling") instanceof ObjectNode sampling) {
            for (Iterator<String> it = sampling.fieldNames(); it.hasNext(); ) {
                String name = "sampling." + it.next();
                if (REPLACED.containsKey(name)) {
                    return Optional.of(replaced(name));
                }
            }
        }
        return Optional.empty();
    }

    private static String replaced(String field) {
        return "field '" + field + "' is not part of the request format; use '" + REPLACED.get(field) + "'";
    }

    private static boolean present(JsonNode json, String field) {
        return json.has(field) && !json.get(field).isNull();
    }

    private static String text(JsonNode json, String field) throws RecordDecodeException {
        JsonNode n = json.get(field);
        if (n == null || !n.isTextual()) {
            throw wrong(field + " must be a string");
        }
        return n.textValue();
    }

    private static Iterable<JsonNode> array(JsonNode json, String field) throws RecordDecodeException {
        JsonNode n = json.get(field);
        if (!n.isArray()) {
            throw wrong(field + " must be an array");
        }
        return n;
    }

    private static int integer(JsonNode json, String field) throws RecordDecodeException {
        JsonNode n = json.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw wrong(field + " must be a 32-bit integer");
        }
        return n.intValue();
    }

    private static long longValue(JsonNode json, String field) throws RecordDecodeException {
        JsonNode n = json.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw wrong(field + " must be a 64-bit integer");
        }
        return n.longValue();
    }

    private static float number(JsonNode json, String field) throws RecordDecodeException {
        JsonNode n = json.get(field);
        if (!n.isNumber()) {
            throw wrong(field + " must be a number");
        }
        return n.floatValue();
    }

    private static RecordDecodeException wrong(String message) {
        return new RecordDecodeException(Kind.WRONG_SCHEMA, message);
    }
}
