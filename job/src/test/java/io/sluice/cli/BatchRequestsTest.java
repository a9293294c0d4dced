package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.GenerationRequest;
import io.sluice.operators.inference.RequestMapping;
import io.sluice.operators.validate.JsonRequestDecoder;
import io.sluice.operators.validate.RequestRules;
import io.sluice.operators.validate.ValidationLimits;
import io.sluice.schemas.PromptRequest;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A batch line is read as the job reads the same line: one format, one decoder, one mapping. */
class BatchRequestsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static GenerationRequest batch(String line) throws Exception {
        return BatchRequests.fromJson((ObjectNode) JSON.readTree(line));
    }

    /** What the job makes of the line: RequestValidator's decode and checks, InferenceOperator's mapping. */
    private static GenerationRequest job(String line) throws Exception {
        PromptRequest request = new JsonRequestDecoder().decode(line.getBytes(StandardCharsets.UTF_8));
        assertTrue(RequestRules.check(request, new ValidationLimits(Set.of("shakespeare"), 4096)).isEmpty(), line);
        return RequestMapping.toEngine(request, request.getRequestId());
    }

    private static String refusal(String line) {
        return assertThrows(IllegalArgumentException.class, () -> batch(line)).getMessage();
    }

    /** Record equality, but arrays (prompt ids) by content. */
    private static boolean same(GenerationRequest a, GenerationRequest b) throws Exception {
        for (RecordComponent c : GenerationRequest.class.getRecordComponents()) {
            if (!Objects.deepEquals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void theSameLineGivesTheSameEngineRequestInBatchAndInTheJob() throws Exception {
        List<String> lines = List.of(
                "{\"request_id\":\"r1\",\"prompt\":\"ROMEO:\"}",
                "{\"request_id\":\"r2\",\"prompt_ids\":[1,957],\"sampling\":{\"max_tokens\":5,\"temperature\":0}}",
                "{\"request_id\":\"r3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                        + "\"model\":\"shakespeare\","
                        + "\"sampling\":{\"max_tokens\":12,\"temperature\":0.7,\"top_p\":0.9,\"top_k\":7,\"min_p\":0.1,"
                        + "\"repetition_penalty\":1.1,\"seed\":3,\"stop\":[\"\\n\"]},\"priority\":4,"
                        + "\"speculate\":false,\"attributes\":{\"team\":\"a\"},\"created_at\":5}");
        for (String line : lines) {
            assertTrue(same(job(line), batch(line)), line);
        }
        GenerationRequest r3 = batch(lines.get(2));
        assertEquals(4, r3.priority());
        assertFalse(r3.speculate());
        assertEquals(1.1f, r3.sampling().repeatPenalty());
        assertEquals(List.of("\n"), r3.stopStrings());
        // an unset seed is the job's, derived from the request_id: a rerun gives the same text
        assertEquals(batch(lines.get(0)).sampling().seed(),
                batch("{\"request_id\":\"r1\",\"prompt\":\"other\"}").sampling().seed());
        // the comparison can fail
        assertFalse(same(batch(lines.get(0)), batch("{\"request_id\":\"r1\",\"prompt\":\"ROMEO:\",\"priority\":1}")));
    }

    @Test
    void theOldFlatSpellingsNameTheirReplacement() {
        assertEquals("field 'id' is not part of the request format; use 'request_id'",
                refusal("{\"id\":\"a\",\"prompt\":\"x\"}"));
        assertEquals("field 'repeat_penalty' is not part of the request format; use 'sampling.repetition_penalty'",
                refusal("{\"request_id\":\"a\",\"prompt\":\"x\",\"repeat_penalty\":1.1}"));
        assertEquals("field 'temperature' is not part of the request format; use 'sampling.temperature'",
                refusal("{\"request_id\":\"a\",\"prompt\":\"x\",\"temperature\":0}"));
        assertEquals("unknown field ignore_eos",
                refusal("{\"request_id\":\"a\",\"prompt\":\"x\",\"ignore_eos\":true}"));
    }

    @Test
    void refusalsAreTheJobsDeadLetterWords() {
        assertEquals(BatchRequests.EMPTY_PROMPT, refusal("{\"request_id\":\"a\",\"prompt\":\"\"}"));
        assertEquals(BatchRequests.EMPTY_PROMPT, refusal("{\"request_id\":\"a\",\"prompt_ids\":[]}"));
        assertEquals("INVALID_PARAMETERS: a stop string is empty",
                refusal("{\"request_id\":\"a\",\"prompt\":\"a\",\"sampling\":{\"stop\":[\"x\",\"\"]}}"));
        assertEquals("INVALID_REQUEST: request_id is missing", refusal("{\"prompt\":\"a\"}"));
        assertEquals("request_id must be a string", refusal("{\"request_id\":7,\"prompt\":\"a\"}"));
        assertEquals("seed must be a 64-bit integer",
                refusal("{\"request_id\":\"a\",\"prompt_ids\":[1],\"sampling\":{\"seed\":18446744073709551615}}"));
        // batch has one model, whatever a request names; the engine checks max_tokens against its context
        assertEquals("a", assertDoesNotThrow(() -> batch("{\"request_id\":\"a\",\"prompt\":\"x\",\"model\":\"other\","
                + "\"sampling\":{\"max_tokens\":100000}}")).id());
    }
}
