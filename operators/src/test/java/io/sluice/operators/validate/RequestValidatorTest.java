package io.sluice.operators.validate;

import static io.sluice.operators.TestRequests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RawRecord;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.Message;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.Timings;
import io.sluice.schemas.Usage;
import io.sluice.schemas.Worker;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private static final ValidationLimits LIMITS = new ValidationLimits(Set.of("shakespeare"), 1024);

    private static byte[] avro(PromptRequest r) {
        return AvroCodec.PROMPT_REQUEST.encode(r);
    }

    private static PromptRequest modified(String id, Consumer<PromptRequest> change) {
        PromptRequest r = request(id, 3);
        change.accept(r);
        return r;
    }

    @Test
    void everyKindOfBadRecordBecomesADeadLetterWithItsReason() throws Exception {
        Completion completion = Completion.newBuilder().setRequestId("c").setModel("m").setText("")
                .setTokenIds(List.of()).setFinishReason("stop").setUsage(new Usage(1, 0, 0))
                .setTimings(new Timings(0.0, 0.0, 0.0, 0.0, 0.0)).setWorker(new Worker("h", 0, "cpu")).build();
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("UNDECODABLE", "not avro at all".getBytes(StandardCharsets.UTF_8));
        records.put("WRONG_SCHEMA", AvroCodec.COMPLETION.encode(completion));
        records.put("EMPTY_PROMPT", avro(modified("empty", r -> r.setPromptIds(List.of()))));
        records.put("INVALID_REQUEST", avro(modified("", r -> { })));
        records.put("INVALID_PARAMETERS/nan", avro(modified("nan", r -> r.getSampling().setTemperature(Float.NaN))));
        records.put("INVALID_PARAMETERS/negative", avro(modified("neg", r -> r.getSampling().setTemperature(-1f))));
        records.put("INVALID_PARAMETERS/zero-max", avro(modified("zero", r -> r.getSampling().setMaxTokens(0))));
        records.put("INVALID_PARAMETERS/huge-max", avro(modified("huge", r -> r.getSampling().setMaxTokens(1 << 30))));
        records.put("INVALID_PARAMETERS/top-p", avro(modified("topp", r -> r.getSampling().setTopP(1.5f))));
        records.put("INVALID_PARAMETERS/top-p0", avro(modified("topp0", r -> r.getSampling().setTopP(0f))));
        records.put("UNKNOWN_MODEL", avro(modified("model", r -> r.setModel("gpt-9"))));
        records.put("TOKEN_OUT_OF_VOCABULARY", avro(modified("neg-id", r -> r.setPromptIds(List.of(1, -4)))));
        records.put("OK", avro(modified("good", r -> r.setModel("shakespeare"))));

        OneInputStreamOperatorTestHarness<RawRecord, PendingRequest> h =
                ProcessFunctionTestHarnesses.forProcessFunction(new RequestValidator(new AvroRequestDecoder(), LIMITS));
        long offset = 0;
        for (byte[] bytes : records.values()) {
            h.processElement(new StreamRecord<>(new RawRecord("prompts", 2, offset++, 5L, bytes)));
        }
        List<DeadLetter> dead = h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).toList();
        List<String> expected = records.keySet().stream().filter(k -> !k.equals("OK"))
                .map(k -> k.contains("/") ? k.substring(0, k.indexOf('/')) : k).toList();
        assertEquals(expected, dead.stream().map(DeadLetter::getErrorCode).toList());
        for (DeadLetter d : dead) {
            assertEquals("prompts", d.getTopic());
            assertEquals(2, d.getPartition());
            byte[] original = new byte[d.getOriginal().remaining()];
            d.getOriginal().get(original);
            assertTrue(java.util.Arrays.equals(records.values().stream().toList().get((int) d.getOffset()), original));
            assertTrue(!d.getErrorMessage().isBlank());
        }
        assertNull(dead.get(0).getRequestId(), "undecodable: no id");
        assertEquals("nan", dead.get(4).getRequestId());
        assertEquals(Map.of("id", "nan"), dead.get(4).getAttributes());
        assertTrue(dead.get(1).getErrorMessage().contains("Completion"), dead.get(1).getErrorMessage());

        List<PendingRequest> ok = h.extractOutputValues();
        assertEquals(1, ok.size());
        assertEquals("good", ok.get(0).requestId());
        assertEquals(3, ok.get(0).promptTokens);
        assertEquals(records.size() - 1, ok.get(0).source.offset);
    }

    @Test
    void rulesNameTheProblem() {
        assertEquals(DeadLetterReason.INVALID_REQUEST, RequestRules.check(
                modified("both", r -> r.setPrompt("x")), LIMITS).orElseThrow().reason());
        assertEquals(DeadLetterReason.EMPTY_PROMPT, RequestRules.check(
                modified("none", r -> r.setPromptIds(null)), LIMITS).orElseThrow().reason());
        assertEquals(DeadLetterReason.EMPTY_PROMPT, RequestRules.check(modified("blank-chat", r -> {
            r.setPromptIds(null);
            r.setMessages(List.of(new Message("user", "")));
        }), LIMITS).orElseThrow().reason());
        assertEquals(DeadLetterReason.INVALID_PARAMETERS, RequestRules.check(
                modified("inf", r -> r.getSampling().setTemperature(Float.POSITIVE_INFINITY)), LIMITS)
                .orElseThrow().reason());
        assertEquals(DeadLetterReason.INVALID_PARAMETERS, RequestRules.check(
                modified("stop", r -> r.getSampling().setStop(List.of(""))), LIMITS).orElseThrow().reason());
        assertTrue(RequestRules.check(modified("chat", r -> {
            r.setPromptIds(null);
            r.setMessages(List.of(new Message("user", "Hello")));
        }), LIMITS).isEmpty());
        assertTrue(RequestRules.check(modified("greedy", r -> r.getSampling().setTemperature(0f)), LIMITS).isEmpty());

        assertEquals(DeadLetterReason.PROMPT_TOO_LONG,
                RequestRules.checkAgainstModel(request("long", 256), 256, 1024).orElseThrow().reason());
        assertTrue(RequestRules.checkAgainstModel(request("fits", 255), 256, 1024).isEmpty());
    }

    @Test
    void jsonLinesDecodeToTheSameRequests() throws Exception {
        JsonRequestDecoder json = new JsonRequestDecoder();
        PromptRequest r = json.decode(("{\"request_id\":\"j1\",\"prompt\":\"ROMEO:\",\"sampling\":{\"max_tokens\":16,"
                + "\"temperature\":0.7,\"seed\":3,\"stop\":[\"\\n\\n\"]},\"attributes\":{\"team\":\"a\"},"
                + "\"priority\":2}").getBytes(StandardCharsets.UTF_8));
        assertEquals("j1", r.getRequestId());
        assertEquals("ROMEO:", r.getPrompt());
        assertEquals(16, r.getSampling().getMaxTokens());
        assertEquals(3L, r.getSampling().getSeed());
        assertEquals(List.of("\n\n"), r.getSampling().getStop());
        assertEquals(0.95f, r.getSampling().getTopP(), "defaults from the schema");
        assertEquals(Map.of("team", "a"), r.getAttributes());
        assertEquals(2, r.getPriority());
        assertTrue(Float.isNaN(json.decode("{\"request_id\":\"n\",\"prompt\":\"x\",\"sampling\":{\"temperature\":NaN}}"
                .getBytes(StandardCharsets.UTF_8)).getSampling().getTemperature()));

        OneInputStreamOperatorTestHarness<RawRecord, PendingRequest> h =
                ProcessFunctionTestHarnesses.forProcessFunction(new RequestValidator(json, LIMITS));
        for (String line : List.of("{\"request_id\": \"x\", \"prompt\": ", "{\"request_id\": \"x\", \"text\": \"hi\"}",
                "[1, 2]", "{\"request_id\": \"x\", \"prompt_ids\": [\"a\"]}")) {
            h.processElement(new StreamRecord<>(new RawRecord("in.jsonl", 0, 1, -1,
                    line.getBytes(StandardCharsets.UTF_8))));
        }
        assertEquals(List.of("UNDECODABLE", "WRONG_SCHEMA", "WRONG_SCHEMA", "WRONG_SCHEMA"),
                h.getSideOutput(DeadLetters.TAG).stream().map(d -> d.getValue().getErrorCode()).toList());
    }

    @Test
    void theOldFlatSpellingsAreDeadLettersNamingTheirReplacement() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("{\"id\": \"x\", \"prompt\": \"hi\"}",
                "field 'id' is not part of the request format; use 'request_id'");
        expected.put("{\"request_id\": \"x\", \"prompt\": \"hi\", \"repeat_penalty\": 1.1}",
                "field 'repeat_penalty' is not part of the request format; use 'sampling.repetition_penalty'");
        expected.put("{\"request_id\": \"x\", \"prompt\": \"hi\", \"sampling\": {\"repeat_penalty\": 1.1}}",
                "field 'sampling.repeat_penalty' is not part of the request format; use 'sampling.repetition_penalty'");
        expected.put("{\"request_id\": \"x\", \"prompt\": \"hi\", \"max_tokens\": 8}",
                "field 'max_tokens' is not part of the request format; use 'sampling.max_tokens'");
        expected.put("{\"request_id\": \"x\", \"prompt\": \"hi\", \"ignore_eos\": true}",
                "unknown field ignore_eos");
        OneInputStreamOperatorTestHarness<RawRecord, PendingRequest> h =
                ProcessFunctionTestHarnesses.forProcessFunction(new RequestValidator(new JsonRequestDecoder(), LIMITS));
        for (String line : expected.keySet()) {
            h.processElement(new StreamRecord<>(new RawRecord("in.jsonl", 0, 1, -1,
                    line.getBytes(StandardCharsets.UTF_8))));
        }
        List<DeadLetter> dead = h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).toList();
        assertEquals(List.copyOf(expected.values()), dead.stream().map(DeadLetter::getErrorMessage).toList());
        assertTrue(dead.stream().allMatch(d -> d.getErrorCode().equals("WRONG_SCHEMA")));
        assertTrue(h.extractOutputValues().isEmpty());
    }

    @Test
    void textPromptsAreEstimatedOnTheHighSide() {
        PromptRequest text = modified("t", r -> {
            r.setPromptIds(null);
            r.setPrompt("To be, or not to be");
        });
        assertEquals(1 + 7, PromptTokens.estimate(text));
        assertEquals(3, PromptTokens.estimate(request("ids", 3)));
    }
}
