package io.sluice.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.kv.SplitKvCache;
import io.sluice.model.ForwardPassTest.Sequence;
import io.sluice.tensor.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A model's layers split over several devices — here CPU instances, which take the backend-independent path
 * a GPU split takes (the residual stream handed over through the host, each device with its own part of the KV
 * cache) — give the same bits as the model on one device.
 */
class SplitForwardTest {

    @TempDir
    static Path dir;

    static final List<Device> TWO = List.of(Device.cpu(1), Device.cpu(2));

    @ParameterizedTest
    @EnumSource(value = KvType.class)
    void logitsEqualOneDeviceBitForBitInMixedAndChunkedBatches(KvType kvType) throws IOException {
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_K}) {
            Path path = TinyModels.write(dir, type, Architecture.QWEN2, true, true, 11);
            try (LlamaModel one = LlamaModel.load(path); LlamaModel split = LlamaModel.load(path, TWO)) {
                assertEquals(TWO, split.devices());
                assertEquals("cpu:1 (layers 0-0), cpu:2 (layers 1-1)", split.placement());
                float[] expected = mixed(one, kvType);
                float[] got = mixed(split, kvType);
                assertBits(expected, got, type + " " + kvType);
                // and the prompt's rows are those of the prompt alone (batch invariance, whatever the KV type)
                int vocab = one.config().vocabSize();
                KvCacheStorage kv = split.newKvStorage(12, 8, kvType);
                float[] alone = new Sequence(split, kv, new int[] {0, 1}).step(ForwardPassTest.PROMPT, true);
                kv.close();
                assertBits(alone, Arrays.copyOfRange(got, 7 * vocab, 16 * vocab), "alone " + type + " " + kvType);
            }
        }
    }

    @Test
    void stories260KGoldenIdsOnThreeDevices() throws IOException {
        int[] expected = Arrays.stream(Files.readString(GreedyGoldenTest.MODELS.resolve("stories260K.greedy-bos.txt"))
                .trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        try (LlamaModel split = LlamaModel.load(GreedyGoldenTest.MODELS.resolve("stories260K.gguf"),
                List.of(Device.cpu(1), Device.cpu(2), Device.cpu(3)))) {
            assertEquals(LayerSplit.even(5, 3), split.split());
            assertArrayEquals(expected, GreedyGoldenTest.greedy(split, new int[] {1}, expected.length));
        }
    }

    @Test
    void aSplitModelTakesOnlyItsOwnSplitKvCache() throws IOException {
        Path path = TinyModels.write(dir, GgmlType.F32, Architecture.LLAMA, false, 5);
        try (LlamaModel one = LlamaModel.load(path); LlamaModel split = LlamaModel.load(path, TWO)) {
            KvCacheStorage kv = split.newKvStorage(4, 8, KvType.F32);
            SplitKvCache parts = (SplitKvCache) kv;
            assertEquals(2, parts.partCount());
            assertEquals(TinyModels.LAYERS, kv.layers());
            assertEquals(kv.bytes(), parts.part(0).bytes() + parts.part(1).bytes());
            assertEquals(split.kvBytesPerToken(KvType.F32) * 4 * 8, kv.bytes());
            ForwardBatch batch = new ForwardBatch();
            batch.add(1, 0, new int[] {0}, true);
            assertThrows(IllegalArgumentException.class, () -> one.forward(batch, kv));
            KvCacheStorage plain = one.newKvStorage(4, 8, KvType.F32);
            assertThrows(IllegalArgumentException.class, () -> split.forward(batch, plain));
        }
    }

    /**
     * Logits of a 9-token prompt, chunked 4 + 5 and batched with another sequence (whose rows come first in the
     * first step), over one KV pool.
     */
    private static float[] mixed(LlamaModel model, KvType kvType) {
        int vocab = model.config().vocabSize();
        KvCacheStorage kv = model.newKvStorage(16, 8, kvType);
        Sequence a = new Sequence(model, kv, new int[] {3, 9});
        Sequence b = new Sequence(model, kv, new int[] {0, 1, 2});
        ForwardBatch batch = new ForwardBatch();
        b.addRows(batch, new int[] {8, 8, 8, 8, 8, 8, 8}, true);
        a.addRows(batch, Arrays.copyOf(ForwardPassTest.PROMPT, 4), true);
        float[] first = model.forward(batch, kv);
        batch.clear();
        a.addRows(batch, Arrays.copyOfRange(ForwardPassTest.PROMPT, 4, ForwardPassTest.PROMPT.length), true);
        b.addRows(batch, new int[] {9}, true);
        float[] second = model.forward(batch, kv);
        float[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        assertEquals((7 + 9 + 1) * vocab, all.length);
        kv.close();
        return all;
    }

    static void assertBits(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + ": bit mismatch at " + i + ": " + expected[i] + " vs " + got[i]);
            }
        }
        assertTrue(expected.length > 0);
    }
}
