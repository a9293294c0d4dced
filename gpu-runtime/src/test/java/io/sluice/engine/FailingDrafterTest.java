package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.Sampler;
import io.sluice.spec.DraftJob;
import io.sluice.spec.Drafter;
import io.sluice.spec.PromptLookupDrafter;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A drafter that fails at run time turns speculation off for the engine; the requests go on unharmed. */
class FailingDrafterTest {

    /** Prompt lookup for a few rounds, then an I/O-like failure. */
    private static final class Breaking implements Drafter {
        private final PromptLookupDrafter inner = new PromptLookupDrafter();
        int calls;
        boolean closed;

        @Override
        public void propose(List<DraftJob> jobs) {
            if (++calls == 3) {
                throw new java.io.UncheckedIOException(new java.io.IOException("draft model file went away"));
            }
            inner.propose(jobs);
        }

        @Override
        public void rollback(long key, int validTokens) {
        }

        @Override
        public void release(long key) {
        }

        @Override
        public long lastProposeNanos() {
            return 0;
        }

        @Override
        public String name() {
            return "breaking";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void aFailingDrafterDisablesSpeculationAndTheRequestCompletesAsWithout() throws Exception {
        int[] golden = Arrays.stream(Files.readString(LlamaEngineTest.MODELS.resolve("stories260K.greedy-bos.txt"))
                .trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        try (LlamaModel model = LlamaModel.load(LlamaEngineTest.STORIES)) {
            EngineConfig config = LlamaEngineTest.config().speculation(
                    new SpeculationConfig(null, true, 4, SpeculationConfig.SpecMode.EXACT)).build();
            KvCacheStorage kv = model.newKvStorage(64, 16, KvType.F32);
            EngineCounters counters = new EngineCounters();
            Breaking drafter = new Breaking();
            Speculation speculation = new Speculation(drafter, config.speculation(), counters);
            Scheduler scheduler = new Scheduler(model, kv, config, counters, speculation);
            GenerationRequest r = GenerationRequest.builder("g").promptIds(1).maxTokens(64).build();
            int vocab = model.config().vocabSize();
            Sequence s = new Sequence(1, r, new int[] {1}, TokenListener.NONE,
                    new Sampler(r.sampling(), vocab, model.config().contextLength()), r.stopConditions(),
                    TextStream.none(), 16, System.nanoTime());
            scheduler.add(s);
            while (scheduler.hasWork()) {
                scheduler.step();
                scheduler.completeFinished();
            }
            Completion c = s.future.get(1, TimeUnit.SECONDS);
            assertArrayEquals(golden, c.tokenIds());
            assertFalse(speculation.enabled());
            assertTrue(drafter.closed);
            assertEquals(3, drafter.calls, "not called again after failing");
            assertEquals(0, scheduler.allocator().usedBlocks());
        }
    }
}
