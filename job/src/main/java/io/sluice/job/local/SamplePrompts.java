package io.sluice.job.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.operators.validate.JsonRequestDecoder;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import io.sluice.schemas.Timings;
import io.sluice.schemas.Usage;
import io.sluice.schemas.Worker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's input records, from {@code conf/}: {@code prompts.jsonl} holds PromptRequest objects (JSON,
 * produced as Avro); {@code bad-prompts.jsonl} holds deliberately bad records, each an object with a
 * {@code comment} and one of {@code raw} (text produced as plain bytes), {@code completion} (a Completion
 * produced where a prompt belongs) or {@code request} (a PromptRequest with bad values, produced as Avro).
 */
public final class SamplePrompts {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /** The records to produce, in order, and how many of them are meant to be good. */
    public record Records(List<byte[]> values, int good, int bad) {
        public int total() {
            return values.size();
        }
    }

    private SamplePrompts() {
    }

    public static Records load(Path prompts, Path badPrompts) throws IOException {
        List<byte[]> values = new ArrayList<>();
        long now = System.currentTimeMillis();
        int good = 0;
        for (ObjectNode line : lines(prompts)) {
            PromptRequest request = request(prompts, line);
            request.setCreatedAt(now);
            values.add(AvroCodec.PROMPT_REQUEST.encode(request));
            good++;
        }
        int bad = 0;
        if (badPrompts != null) {
            for (ObjectNode line : lines(badPrompts)) {
                values.add(badRecord(badPrompts, line, now));
                bad++;
            }
        }
        return new Records(values, good, bad);
    }

    private static byte[] badRecord(Path file, ObjectNode line, long now) {
        if (line.hasNonNull("raw")) {
            return line.get("raw").asText().getBytes(StandardCharsets.UTF_8);
        }
        if (line.get("completion") instanceof ObjectNode c) {
            return AvroCodec.COMPLETION.encode(Completion.newBuilder()
                    .setRequestId(c.path("request_id").asText("?"))
                    .setModel(c.path("model").asText(""))
                    .setText(c.path("text").asText(""))
                    .setTokenIds(List.of())
                    .setFinishReason(c.path("finish_reason").asText("stop"))
                    .setUsage(new Usage(0, 0, 0))
                    .setTimings(new Timings(0.0, 0.0, 0.0, 0.0, 0.0))
                    .setWorker(new Worker("", 0, ""))
                    .setCreatedAt(now)
                    .build());
        }
        if (line.get("request") instanceof ObjectNode r) {
            PromptRequest request = request(file, r);
            request.setCreatedAt(now);
            return AvroCodec.PROMPT_REQUEST.encode(request);
        }
        throw new IllegalArgumentException(file + ": a bad record needs one of raw, completion or request: " + line);
    }

    private static PromptRequest request(Path file, ObjectNode json) {
        try {
            return JsonRequestDecoder.fromJson(json);
        } catch (RecordDecodeException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage() + ": " + json);
        }
    }

    /** The file's lines, refused in one line naming the line when one is not UTF-8 (readAllLines said only "Input length = 1"). */
    private static List<String> utf8Lines(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            int length = end > start && bytes[end - 1] == '\r' ? end - start - 1 : end - start;
            try {
                lines.add(decoder.decode(ByteBuffer.wrap(bytes, start, length)).toString());
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(file + ":" + (lines.size() + 1) + ": not valid UTF-8");
            }
            start = end + 1;
        }
        return lines;
    }

    private static List<ObjectNode> lines(Path file) throws IOException {
        List<ObjectNode> objects = new ArrayList<>();
        int number = 0;
        for (String line : utf8Lines(file)) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ":" + number + ": not JSON: " + e.getOriginalMessage());
            }
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalArgumentException(file + ":" + number + ": expected a JSON object");
            }
            objects.add(object);
        }
        return objects;
    }
}
