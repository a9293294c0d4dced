package io.sluice.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A decode step reuses the buffers of the last one: once warmed up, the calling thread allocates only the
 * logits it returns, and nothing at all when it passes the last step's logits array to reuse.
 */
class StepAllocationTest {
    @Test
    void aWarmDecodeStepAllocatesLittleMoreThanItsLogits() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (LlamaModel model = LlamaModel.load(Path.of("../models/shakespeare-draft.gguf"))) {
            KvCacheStorage kv = model.newKvStorage(4, 16, KvType.F32);
            int[] table = {0, 1, 2, 3};
            ForwardBatch batch = new ForwardBatch();
            long logitBytes = 16L + 4L * model.config().vocabSize();
            long perStep = Long.MAX_VALUE;
            for (int round = 0; round < 40 && perStep > logitBytes + 4096; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int p = 0; p < 64; p++) {
                    batch.clear();
                    batch.add(p % 50, p, table, true);
                    model.forward(batch, kv);
                }
                perStep = (threads.getCurrentThreadAllocatedBytes() - before) / 64;
            }
            assertTrue(perStep <= logitBytes + 4096, "a warm step allocates " + perStep + " bytes; its logits take "
                    + logitBytes);
        }
    }

    @Test
    void aWarmDecodeStepIntoTheLastStepsLogitsAllocatesNothing() {
        // What the scheduler does: each step's logits go into the array of the step before.
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (LlamaModel model = LlamaModel.load(Path.of("../models/shakespeare-draft.gguf"))) {
            KvCacheStorage kv = model.newKvStorage(4, 16, KvType.F32);
            int[] table = {0, 1, 2, 3};
            ForwardBatch batch = new ForwardBatch();
            float[] logits = null;
            long allocated = Long.MAX_VALUE;
            // Until the JIT has compiled the step (escape analysis removes its temporaries): by time, not by a
            // round count, as a loaded machine compiles late (40 rounds of this small model are ~0.3 s).
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (allocated > 0 && System.nanoTime() < deadline) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int p = 0; p < 64; p++) {
                    batch.clear();
                    batch.add(p % 50, p, table, true);
                    logits = model.forward(batch, kv, logits);
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertTrue(allocated == 0, "64 warm steps allocate " + allocated + " bytes");
        }
    }

    @Test
    void buffersGrowOnlyInTheDimensionThatIsShort() {
        // More logit rows step after step (sequences joining a batch) must not double the row buffers each time.
        try (LlamaModel model = LlamaModel.load(Path.of("../models/shakespeare-draft.gguf"))) {
            KvCacheStorage kv = model.newKvStorage(64, 16, KvType.F32);
            ForwardBatch batch = new ForwardBatch();
            for (int m = 1; m <= 40; m++) {
                batch.clear();
                for (int s = 0; s < 40; s++) {
                    batch.add(s % 50, 0, new int[] {s}, s < m);
                }
                model.forward(batch, kv);
            }
            assertTrue(model.bufferedRows() <= 80, "buffers of " + model.bufferedRows() + " rows for batches of 40");
        }
    }
}
