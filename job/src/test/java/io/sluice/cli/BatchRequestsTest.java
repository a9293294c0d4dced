package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Field checks of one batch line, each message naming the field and the value. */
class BatchRequestsTest {

    private static String refusal(String json) throws Exception {
        return assertThrows(IllegalArgumentException.class,
                () -> BatchRequests.fromJson("x", new ObjectMapper().readTree(json))).getMessage();
    }

    @Test
    void messagesNameTheFieldAndValue() throws Exception {
        assertEquals("'seed' must be an integer from -2^63 to 2^63-1, got 18446744073709551615",
                refusal("{\"prompt_ids\":[1],\"seed\":18446744073709551615}"));
        assertEquals(BatchRequests.EMPTY_PROMPT, refusal("{\"prompt\":\"\"}"));
        assertEquals(BatchRequests.EMPTY_PROMPT, refusal("{\"prompt_ids\":[]}"));
        assertEquals("'stop' strings must not be empty", refusal("{\"prompt\":\"a\",\"stop\":[\"x\",\"\"]}"));
    }
}
