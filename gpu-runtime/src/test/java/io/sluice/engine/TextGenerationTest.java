package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.SamplingParams;
import io.sluice.tokenizer.ChatMessage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Text prompts, decoded completions, streaming deltas and stop strings on the Shakespeare model. */
class TextGenerationTest {

    private static LlamaModel model;
    private static LlamaEngine engine;

    @BeforeAll
    static void start() {
        model = LlamaModel.load(Path.of("../models/shakespeare.gguf"));
        engine = new LlamaEngine(model, EngineConfig.builder(model.path()).kvCacheBytes(16L << 20).build(), false);
    }

    @AfterAll
    static void stop() {
        engine.close();
        model.close();
    }

    private static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Test
    void textPromptMatchesLlamaCppGreedyOutput() throws Exception {
        JsonNode golden = new ObjectMapper().readTree(
                Path.of("src/test/resources/models/shakespeare.greedy-romeo.json").toFile());
        int[] expected = ids(golden.get("token_ids"));
        int exact = 0;
        while (exact < expected.length && golden.get("margins").get(exact).asDouble() >= 0.01) {
            exact++;
        }
        StringBuilder streamed = new StringBuilder();
        Completion c = engine.submit(GenerationRequest.builder("romeo").prompt(golden.get("prompt").asText())
                .maxTokens(expected.length).build(), (id, delta) -> streamed.append(delta)).get(60, TimeUnit.SECONDS);
        assertEquals(ids(golden.get("prompt_ids")).length, c.promptTokens());
        assertArrayEquals(Arrays.copyOf(expected, exact), Arrays.copyOf(c.tokenIds(), exact));
        String goldenText = golden.get("text").asText();
        if (exact == expected.length) {
            assertEquals(goldenText, c.text());
        } else {
            assertTrue(c.text().startsWith(goldenText.substring(0, 10)), c.text());
        }
        assertEquals(c.text(), streamed.toString());
    }

    @Test
    void stopStringsEndTheTextAndAreNotStreamed() throws Exception {
        StringBuilder streamed = new StringBuilder();
        Completion c = engine.submit(GenerationRequest.builder("stop").prompt("ROMEO:").maxTokens(48)
                .stopStrings(List.of("people", "\n\n")).build(), (id, delta) -> streamed.append(delta))
                .get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.STOP, c.finishReason());
        assertEquals("ius Marciuss,\nAnd in the ", c.text());
        assertEquals(c.text(), streamed.toString());
        assertFalse(streamed.toString().contains("peo"));
    }

    @Test
    void textHeldBackForAStopStringIsStreamedWhenAStopTokenEndsTheText() throws Exception {
        int[] ids = engine.submit(GenerationRequest.builder("full").prompt("ROMEO:").maxTokens(12).build())
                .get(60, TimeUnit.SECONDS).tokenIds();
        int k = 2;
        while (k < ids.length && contains(ids, k, ids[k])) {
            k++;
        }
        assertTrue(k < ids.length, "a token that does not occur before it");
        String before = engine.submit(GenerationRequest.builder("before").prompt("ROMEO:").maxTokens(k).build())
                .get(60, TimeUnit.SECONDS).text();
        // a stop string that the text's last character starts: that character waits for the next token
        String stop = before.substring(before.length() - 1) + "\u0007never";
        StringBuilder streamed = new StringBuilder();
        Completion c = engine.submit(GenerationRequest.builder("stop-token").prompt("ROMEO:").maxTokens(12)
                .stopTokenIds(Set.of(ids[k])).stopStrings(List.of(stop)).build(), (id, delta) -> streamed.append(delta))
                .get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.STOP, c.finishReason());
        assertEquals(before, c.text());
        assertEquals(c.text(), streamed.toString());
    }

    private static boolean contains(int[] ids, int end, int id) {
        for (int i = 0; i < end; i++) {
            if (ids[i] == id) {
                return true;
            }
        }
        return false;
    }

    @Test
    void sampledTextIsReproducibleWithItsSeed() throws Exception {
        GenerationRequest r = GenerationRequest.builder("s").prompt("JULIET:").maxTokens(30)
                .sampling(SamplingParams.builder().temperature(0.8f).seed(77).build()).build();
        Completion a = engine.submit(r).get(60, TimeUnit.SECONDS);
        Completion b = engine.submit(r).get(60, TimeUnit.SECONDS);
        assertArrayEquals(a.tokenIds(), b.tokenIds());
        assertEquals(a.text(), b.text());
        assertFalse(a.text().isEmpty());
    }

    @Test
    void messagesWithoutATemplateFailClearly() throws Exception {
        var f = engine.submit(GenerationRequest.builder("m").messages(List.of(new ChatMessage("user", "hi"))).build());
        assertEquals(EngineException.Code.TEMPLATE_ERROR, LlamaEngineTest.failure(f).code());
    }
}
