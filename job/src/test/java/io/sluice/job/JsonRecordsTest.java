package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.Timings;
import io.sluice.schemas.Usage;
import io.sluice.schemas.Worker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRecordsTest {

    @Test
    void completionsAndDeadLettersBecomeJsonLines() {
        Completion c = Completion.newBuilder().setRequestId("r1").setModel("m").setText("Ay,\nmy lord")
                .setTokenIds(List.of(4, 5)).setFinishReason("length").setUsage(new Usage(3, 1, 2))
                .setTimings(new Timings(1.5, 2.0, 3.0, 4.0, 0.5)).setWorker(new Worker("h", 1, "cpu"))
                .setAttributes(Map.of("k", "v")).build();
        ObjectNode json = JsonRecords.completion(c);
        assertEquals("Ay,\nmy lord", json.get("text").asText());
        assertEquals(2, json.get("token_ids").size());
        assertEquals(1, json.at("/usage/cached_tokens").asInt());
        assertEquals(1.5, json.at("/timings/batch_wait_ms").asDouble());
        assertEquals("v", json.at("/attributes/k").asText());
        assertEquals(-1, JsonRecords.line(json).indexOf('\n'), "one line");

        DeadLetter text = DeadLetter.newBuilder().setOriginal(ByteBuffer.wrap("{\"bad\": 1}".getBytes(StandardCharsets.UTF_8)))
                .setTopic("in.jsonl").setOffset(3).setErrorCode("WRONG_SCHEMA").setErrorMessage("unknown field bad")
                .setFailedAt(9).build();
        assertEquals("{\"bad\": 1}", JsonRecords.deadLetter(text).get("original").asText());
        assertEquals("eyJiYWQiOiAxfQ==", JsonRecords.deadLetter(text).get("original_base64").asText());
        assertEquals(3, JsonRecords.deadLetter(text).get("offset").asLong());
        DeadLetter binary = DeadLetter.newBuilder(text).setOriginal(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, (byte) 0xFF}))
                .build();
        assertEquals("wwH/", JsonRecords.deadLetter(binary).get("original_base64").asText());
        assertFalse(JsonRecords.deadLetter(binary).has("original"), "not text");
    }

    @Test
    void jsonLinesReadBackAsTheRecordsTheyWere() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        Completion c = Completion.newBuilder().setRequestId("r1").setModel("m").setText("Ay,\nmy lord")
                .setTokenIds(List.of(4, 5)).setFinishReason("length").setUsage(new Usage(3, 1, 2))
                .setTimings(new Timings(1.5, 2.0, 3.0, 4.0, 0.5)).setWorker(new Worker("h", 1, "cpu"))
                .setAttributes(Map.of("k", "v")).setRequestCreatedAt(7).setCreatedAt(8).build();
        assertEquals(c, JsonRecords.parseCompletion(mapper.readTree(JsonRecords.line(JsonRecords.completion(c)))));

        DeadLetter binary = DeadLetter.newBuilder().setOriginal(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 0}))
                .setTopic("t").setPartition(1).setOffset(3).setRequestId(null).setErrorCode("UNDECODABLE")
                .setErrorMessage("no").setFailedAt(9).build();
        assertEquals(binary, JsonRecords.parseDeadLetter(mapper.readTree(JsonRecords.line(JsonRecords.deadLetter(binary)))));
        DeadLetter truncated = DeadLetter.newBuilder(binary).setRequestId("r2").setAttributes(Map.of("a", "b"))
                .setTruncated(true).setOriginalSize(1_000_000L).setOriginalSha256("ab12").build();
        assertEquals(truncated,
                JsonRecords.parseDeadLetter(mapper.readTree(JsonRecords.line(JsonRecords.deadLetter(truncated)))));
    }
}
