package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.engine.ChatMessage;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.SamplingParams;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns one JSON line of {@code sluice batch} input into a request: {@code id}, one of {@code prompt},
 * {@code prompt_ids} or {@code messages}, and optionally {@code max_tokens} (default 128), {@code temperature},
 * {@code top_p}, {@code top_k}, {@code min_p}, {@code repeat_penalty}, {@code presence_penalty},
 * {@code frequency_penalty}, {@code seed}, {@code stop} (a string or a list), {@code stop_token_ids},
 * {@code ignore_eos}, {@code priority}. Unset sampling fields take the engine's defaults (llama.cpp's).
 * Anything malformed is an IllegalArgumentException naming the field.
 */
final class BatchRequests {

    private static final Set<String> FIELDS = Set.of("id", "prompt", "prompt_ids", "messages", "max_tokens",
            "temperature", "top_p", "top_k", "min_p", "repeat_penalty", "presence_penalty", "frequency_penalty",
            "seed", "stop", "stop_token_ids", "ignore_eos", "priority");

    /** The same words for an empty text and an empty id list, as the job's EMPTY_PROMPT dead letter. */
    static final String EMPTY_PROMPT = "EMPTY_PROMPT: the prompt is empty";

    private BatchRequests() {
    }

    static GenerationRequest fromJson(String id, JsonNode o) {
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "'");
            }
        }
        GenerationRequest.Builder b = GenerationRequest.builder(id);
        int inputs = 0;
        if (o.has("prompt")) {
            inputs++;
            String prompt = text(o, "prompt");
            if (prompt.isEmpty()) {
                throw new IllegalArgumentException(EMPTY_PROMPT);
            }
            b.prompt(prompt);
        }
        if (o.has("prompt_ids")) {
            inputs++;
            int[] ids = ints(o, "prompt_ids");
            if (ids.length == 0) {
                throw new IllegalArgumentException(EMPTY_PROMPT);
            }
            b.promptIds(ids);
        }
        if (o.has("messages")) {
            inputs++;
            JsonNode m = o.get("messages");
            if (!m.isArray() || m.isEmpty()) {
                throw new IllegalArgumentException("'messages' must be a non-empty list of {role, content}");
            }
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode msg : m) {
                if (!msg.isObject() || !msg.path("role").isTextual() || !msg.path("content").isTextual()) {
                    throw new IllegalArgumentException("each message needs a text 'role' and 'content'");
                }
                messages.add(new ChatMessage(msg.get("role").asText(), msg.get("content").asText()));
            }
            b.messages(messages);
        }
        if (inputs != 1) {
            throw new IllegalArgumentException("needs exactly one of 'prompt', 'prompt_ids' and 'messages'");
        }
        int maxTokens = o.has("max_tokens") ? integer(o, "max_tokens") : 128;
        if (maxTokens < 0) {
            throw new IllegalArgumentException("'max_tokens' must be >= 0, got " + maxTokens);
        }
        b.maxTokens(maxTokens);
        SamplingParams.Builder s = SamplingParams.builder();
        if (o.has("temperature")) {
            s.temperature(number(o, "temperature"));
        }
        if (o.has("top_p")) {
            s.topP(number(o, "top_p"));
        }
        if (o.has("top_k")) {
            s.topK(integer(o, "top_k"));
        }
        if (o.has("min_p")) {
            s.minP(number(o, "min_p"));
        }
        if (o.has("repeat_penalty")) {
            s.repeatPenalty(number(o, "repeat_penalty"));
        }
        if (o.has("presence_penalty")) {
            s.presencePenalty(number(o, "presence_penalty"));
        }
        if (o.has("frequency_penalty")) {
            s.frequencyPenalty(number(o, "frequency_penalty"));
        }
        if (o.has("seed")) {
            JsonNode seed = o.get("seed");
            if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
                throw new IllegalArgumentException("'seed' must be an integer from -2^63 to 2^63-1, got " + seed);
            }
            s.seed(seed.asLong());
        }
        b.sampling(s.build());
        if (o.has("stop")) {
            JsonNode stop = o.get("stop");
            List<String> stops = new ArrayList<>();
            if (stop.isTextual()) {
                stops.add(stop.asText());
            } else if (stop.isArray()) {
                for (JsonNode x : stop) {
                    if (!x.isTextual()) {
                        throw new IllegalArgumentException("'stop' must be a string or a list of strings");
                    }
                    stops.add(x.asText());
                }
            } else if (!stop.isNull()) {
                throw new IllegalArgumentException("'stop' must be a string or a list of strings");
            }
            if (stops.contains("")) {
                throw new IllegalArgumentException("'stop' strings must not be empty");
            }
            b.stopStrings(stops);
        }
        if (o.has("stop_token_ids")) {
            Set<Integer> ids = new HashSet<>();
            for (int t : ints(o, "stop_token_ids")) {
                ids.add(t);
            }
            b.stopTokenIds(ids);
        }
        if (o.has("ignore_eos")) {
            if (!o.get("ignore_eos").isBoolean()) {
                throw new IllegalArgumentException("'ignore_eos' must be true or false");
            }
            b.ignoreEos(o.get("ignore_eos").asBoolean());
        }
        if (o.has("priority")) {
            b.priority(integer(o, "priority"));
        }
        return b.build();
    }

    private static String text(JsonNode o, String field) {
        if (!o.get(field).isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return o.get(field).asText();
    }

    private static int integer(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("'" + field + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static float number(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("'" + field + "' must be a number, got " + v);
        }
        return (float) v.asDouble();
    }

    private static int[] ints(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (!v.isArray()) {
            throw new IllegalArgumentException("'" + field + "' must be a list of integers");
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToInt()) {
                throw new IllegalArgumentException("'" + field + "' must be a list of integers, found " + x);
            }
            out[i] = x.asInt();
        }
        return out;
    }
}
