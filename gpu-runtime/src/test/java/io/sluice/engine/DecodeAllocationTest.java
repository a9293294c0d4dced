package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.model.LlamaModel;
import io.sluice.sampling.SamplingParams;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A decoding token costs the engine as much late in a completion as early: the per-token work outside the model
 * (sampling, decoding the text, stop strings, the listener) must not grow with the text. It did: each token copied
 * the generated ids and rebuilt the whole text as a new string, O(length) per token, measured here as bytes the
 * engine thread allocates per token (exact, unlike time).
 */
class DecodeAllocationTest {

    private static final int PROMPT = 8;
    private static final int TOKENS = 240;

    @Test
    void aLateTokenAllocatesNoMoreThanAnEarlyOne() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path path = Path.of("../models/shakespeare-draft.gguf");
        try (LlamaModel model = LlamaModel.load(path);
                LlamaEngine engine = new LlamaEngine(model, EngineConfig.builder(path).maxSequences(1)
                        .kvBlockSize(16).kvCacheBytes(4L << 20).build(), false)) {
            assertTrue(engine.tokenizer() != null, "the test needs a model with a tokenizer: text is decoded per token");
            Random random = new Random(5);
            // the least over rounds at each place: rounds before the JIT has compiled the step allocate more
            long early = Long.MAX_VALUE;
            long late = Long.MAX_VALUE;
            // enough rounds to compile the step, and more while a loaded machine compiles late
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int round = 0; round < 30 || late > early + 64 && System.nanoTime() < deadline; round++) {
                int[] prompt = new int[PROMPT];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = random.nextInt(model.config().vocabSize());
                }
                // allocated bytes of the engine thread (where listeners run) as each token arrives
                long[] at = new long[TOKENS];
                int[] count = {0};
                GenerationRequest request = GenerationRequest.builder("r" + round).promptIds(prompt).maxTokens(TOKENS)
                        .ignoreEos(true).sampling(SamplingParams.builder().temperature(0.8f).seed(round).build())
                        .build();
                Completion c = engine.submit(request, (token, delta) ->
                        at[count[0]++] = threads.getCurrentThreadAllocatedBytes()).join();
                assertEquals(TOKENS, c.completionTokens());
                assertTrue(c.text().length() > TOKENS, "a text of " + c.text().length() + " characters");
                int window = 40;
                early = Math.min(early, (at[20 + window] - at[20]) / window);
                late = Math.min(late, (at[TOKENS - 1] - at[TOKENS - 1 - window]) / window);
            }
            assertTrue(late <= early + 64, "a token allocates " + early + " bytes after 20 tokens and " + late
                    + " after " + (TOKENS - 40) + ": the per-token work grows with the text");
        }
    }
}
