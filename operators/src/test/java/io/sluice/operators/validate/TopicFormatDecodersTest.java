package io.sluice.operators.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import io.sluice.schemas.RecordDecodeException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A record in another format than its topic's is a dead letter whose reason names the format expected. */
class TopicFormatDecodersTest {
    private static final ValidationLimits LIMITS = new ValidationLimits(Set.of("shakespeare"), 1024);
    private static final byte[] JSON = "{\"request_id\": \"a\", \"prompt\": \"b\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] AVRO = AvroCodec.PROMPT_REQUEST.encode(
            PromptRequest.newBuilder().setRequestId("a").setPrompt("b").build());

    private static RecordDecodeException refused(RequestDecoder decoder, byte[] bytes) {
        return assertThrows(RecordDecodeException.class, () -> decoder.decode(bytes));
    }

    @Test
    void jsonOnAnAvroTopic() {
        RecordDecodeException e = refused(new AvroRequestDecoder(), JSON);
        assertEquals(Kind.UNDECODABLE, e.kind());
        assertEquals("expected Avro single-object encoding (format avro): no C3 01 marker; it looks like JSON "
                + "(format json)", e.getMessage());
        RecordDecodeException framed = refused(new AvroRequestDecoder(), ConfluentFraming.frame(7, new byte[] {2}));
        assertTrue(framed.getMessage().endsWith("it looks like Schema Registry framing, schema id 7 "
                + "(format avro-confluent)"), framed.getMessage());
    }

    @Test
    void avroOnAJsonTopic() {
        RecordDecodeException e = refused(new JsonRequestDecoder(), AVRO);
        assertEquals(Kind.UNDECODABLE, e.kind());
        assertTrue(e.getMessage().startsWith("expected a JSON object (format json): malformed JSON"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; it looks like Avro single-object encoding (format avro)"),
                e.getMessage());
        assertEquals("expected a JSON object (format json): the record is empty",
                refused(new JsonRequestDecoder(), new byte[0]).getMessage());
    }

    @Test
    void anEmptyTextPromptIsAnEmptyPromptLikeNoPromptIds() throws Exception {
        PromptRequest text = new JsonRequestDecoder().decode(
                "{\"request_id\": \"t\", \"prompt\": \"\"}".getBytes(StandardCharsets.UTF_8));
        PromptRequest ids = new JsonRequestDecoder().decode(
                "{\"request_id\": \"i\", \"prompt_ids\": []}".getBytes(StandardCharsets.UTF_8));
        assertEquals(DeadLetterReason.EMPTY_PROMPT, RequestRules.check(text, LIMITS).orElseThrow().reason());
        assertEquals(DeadLetterReason.EMPTY_PROMPT, RequestRules.check(ids, LIMITS).orElseThrow().reason());
    }

    @Test
    void formatNamesAndRegistrySecrets() {
        assertEquals(TopicFormat.AVRO_CONFLUENT, TopicFormat.of("kafka.format", "avro-confluent"));
        assertEquals("kafka.format must be avro, json, avro-confluent, got csv",
                assertThrows(IllegalArgumentException.class, () -> TopicFormat.of("kafka.format", "csv")).getMessage());
        RegistrySettings s = new RegistrySettings("https://registry:8081/", "svc", "pw1", "/t.p12", "pw2", null, null);
        assertFalse(s.toString().contains("pw1") || s.toString().contains("pw2"), s.toString());
        assertEquals("https://registry:8081", s.baseUri().toString());
        assertEquals("https://***@r:1", RegistrySettings.of("https://u:p@r:1").maskedUrl());
    }
}
