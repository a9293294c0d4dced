package io.sluice.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A prompt long enough that one step's attention splits over the threads in parts of equal work (rows of later
 * positions weigh more) gives every row the same bits as the same prompt one row per step, where each step's
 * attention runs whole: no task is lost or run twice at the part boundaries, whatever the split.
 */
class LongPromptAttentionTest {
    @Test
    void aLongPromptInOneStepEqualsOneRowPerStep() {
        try (LlamaModel model = LlamaModel.load(Path.of("../models/shakespeare-draft.gguf"))) {
            int vocab = model.config().vocabSize();
            int length = 200;
            int[] table = new int[(length + 15) / 16];
            for (int i = 0; i < table.length; i++) {
                table[i] = i;
            }
            KvCacheStorage oneStep = model.newKvStorage(table.length, 16, KvType.F32);
            ForwardBatch batch = new ForwardBatch();
            for (int p = 0; p < length; p++) {
                batch.add((p * 37 + 11) % vocab, p, table, true);
            }
            float[] together = model.forward(batch, oneStep);
            KvCacheStorage perRow = model.newKvStorage(table.length, 16, KvType.F32);
            for (int p = 0; p < length; p++) {
                batch.clear();
                batch.add((p * 37 + 11) % vocab, p, table, true);
                float[] row = model.forward(batch, perRow);
                for (int i = 0; i < vocab; i++) {
                    assertEquals(Float.floatToRawIntBits(row[i]), Float.floatToRawIntBits(together[p * vocab + i]),
                            "position " + p + ", logit " + i);
                }
            }
        }
    }
}
