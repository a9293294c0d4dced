package io.sluice.spec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sampling.SamplingParams;
import io.sluice.kv.KvType;
import io.sluice.model.LlamaModel;
import io.sluice.sampling.Sampler;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A warm drafting round reuses the drafter's logits array, lists and placements: speculative decoding runs one
 * round per engine step, and with a small draft model the round's allocations were a visible part of its cost
 * (each of its passes allocated a fresh logits array, its lists and records).
 */
class DraftModelDrafterAllocationTest {
    @Test
    void aWarmRoundAllocatesLessThanOneLogitsRow() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (LlamaModel model = LlamaModel.load(Path.of("../models/shakespeare-draft.gguf"));
                DraftModelDrafter drafter = new DraftModelDrafter(model, false, 32, 16, KvType.F32)) {
            int vocab = model.config().vocabSize();
            int[] tokens = new int[200];
            Random random = new Random(3);
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(vocab);
            }
            Sampler sampler = new Sampler(SamplingParams.GREEDY, vocab, model.config().contextLength());
            long logitsRow = 16L + 4L * vocab; // what each of a round's 4 passes allocated before
            long perRound = Long.MAX_VALUE;
            // until the JIT has compiled the round: by time, as a loaded machine compiles late
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (perRound >= logitsRow && System.nanoTime() < deadline) {
                long allocated = 0;
                int rounds = 0;
                for (int known = 20; known + 4 <= tokens.length; known++, rounds++) {
                    DraftJob job = new DraftJob(1, tokens, known, 4, sampler, known - 20, true);
                    List<DraftJob> jobs = List.of(job);
                    long before = threads.getCurrentThreadAllocatedBytes();
                    drafter.propose(jobs);
                    allocated += threads.getCurrentThreadAllocatedBytes() - before;
                    drafter.rollback(1, known + 1); // the model accepted one token: the next round starts there
                }
                drafter.release(1);
                perRound = allocated / rounds;
            }
            assertTrue(perRound < logitsRow, "a warm drafting round allocates " + perRound + " bytes; one logits row is "
                    + logitsRow);
        }
    }
}
