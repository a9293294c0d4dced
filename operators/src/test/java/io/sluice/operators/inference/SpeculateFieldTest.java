package io.sluice.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.SpeculationConfig;
import io.sluice.operators.validate.JsonRequestDecoder;
import io.sluice.schemas.RecordDecodeException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PromptRequest.speculate reaches the engine request; engine settings carry the job's speculation. */
class SpeculateFieldTest {

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRequestMayTurnSpeculationOffAndItIsOnByDefault() throws Exception {
        JsonRequestDecoder decoder = new JsonRequestDecoder();
        assertFalse(RequestMapping.toEngine(decoder.decode(json(
                "{\"request_id\": \"a\", \"prompt_ids\": [1], \"speculate\": false}")), "a").speculate());
        assertTrue(RequestMapping.toEngine(decoder.decode(json(
                "{\"request_id\": \"b\", \"prompt_ids\": [1]}")), "b").speculate());
        assertThrows(RecordDecodeException.class, () -> decoder.decode(json(
                "{\"request_id\": \"c\", \"prompt_ids\": [1], \"speculate\": \"no\"}")));
    }

    @Test
    void engineSettingsCarryTheSpeculationAndRefuseABadMode() {
        EngineSettings s = new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, false, true, "d.gguf", false, 3,
                "rejection");
        SpeculationConfig c = s.toConfig(Device.CPU).speculation();
        assertEquals("d.gguf", c.draftModel().toString());
        assertEquals(3, c.maxDraftTokens());
        assertEquals(SpeculationConfig.SpecMode.REJECTION, c.mode());
        assertFalse(new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, false, true).toConfig(Device.CPU)
                .speculation().enabled());
        assertThrows(IllegalArgumentException.class, () -> new EngineSettings("m.gguf", 4, 64, 16, 0, 0.25, false,
                true, null, true, 4, "fast"));
    }
}
