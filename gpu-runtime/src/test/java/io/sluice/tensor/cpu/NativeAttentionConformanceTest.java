package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.HostKvCacheStorage;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.StepPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeAttention} gives the Java attention's bits (this JVM's Vector API path) and the scalar definition's
 * (written out below from FloatKernel's dot, Softmax's order and Exp) for F32 and F16 caches: random keys, values
 * and queries, head dimensions on and off the 8 lanes, positions on and off the blocks and the 4-slot groups, block
 * sizes from 1 to 32, shuffled block tables, grouped-query heads, decode rows of several sequences and a prompt's
 * rows sharing one table. ScalarFallbackTest repeats a case across JVMs without the native library.
 */
class NativeAttentionConformanceTest {
    /** heads, KV heads, head dimension. */
    private static final int[][] SHAPES = {{4, 2, 64}, {6, 3, 13}, {3, 1, 40}, {2, 2, 8}, {5, 5, 7}, {8, 2, 96}};
    private static final int[] BLOCK_SIZES = {1, 3, 16, 32};

    @Test
    void nativeIsInUseOnThisMachine() {
        // the development and CI machines have AVX2 and gcc: the comparisons below must not pass vacuously
        assertTrue(NativeAttention.available(), "native attention unavailable: " + Int8Kernels.nativeUnavailableReason());
    }

    @Test
    void f32CacheGivesTheJavaBits() {
        compareAll(KvType.F32, 11);
    }

    @Test
    void f16CacheGivesTheJavaBits() {
        compareAll(KvType.F16, 12);
    }

    private static void compareAll(KvType type, long seed) {
        Random random = new Random(seed);
        for (int[] s : SHAPES) {
            for (int blockSize : BLOCK_SIZES) {
                AttentionShape shape = new AttentionShape(s[0], s[1], s[2], (float) (1 / Math.sqrt(s[2])));
                compare(type, shape, blockSize, random);
            }
        }
    }

    private static void compare(KvType type, AttentionShape shape, int blockSize, Random random) {
        int layers = 2;
        int seqs = 3;
        int maxLen = 1 + random.nextInt(150);
        int perSeq = (maxLen + blockSize - 1) / blockSize;
        HostKvCacheStorage kv = KvCacheStorage.allocate(seqs * perSeq + 2, blockSize, layers, shape.kvDim(), type);
        int slots = kv.numBlocks() * blockSize;
        for (int layer = 0; layer < layers; layer++) {
            for (int slot = 0; slot < slots; slot++) {
                float[] k = gaussians(random, shape.kvDim(), 2f);
                float[] v = gaussians(random, shape.kvDim(), 1f);
                kv.write(layer, slot, k, 0, v, 0);
            }
        }
        // Blocks shuffled over the sequences, so that no table is in order.
        List<Integer> blocks = new ArrayList<>();
        for (int b = 0; b < kv.numBlocks(); b++) {
            blocks.add(b);
        }
        Collections.shuffle(blocks, random);
        int[][] tables = new int[seqs][perSeq];
        for (int q = 0; q < seqs; q++) {
            for (int i = 0; i < perSeq; i++) {
                tables[q][i] = blocks.get(q * perSeq + i);
            }
        }
        // Sequence 0 brings a prompt of several rows (one table), the others one decode row each.
        StepPlan plan = new StepPlan();
        int promptRows = 1 + random.nextInt(Math.min(maxLen, 9));
        int n = promptRows + seqs - 1;
        plan.reset(n, blockSize);
        int start = maxLen - promptRows;
        for (int r = 0; r < promptRows; r++) {
            plan.set(r, 0, start + r, tables[0], r == promptRows - 1);
        }
        for (int q = 1; q < seqs; q++) {
            plan.set(promptRows + q - 1, 0, random.nextInt(maxLen), tables[q], true);
        }
        float[] queries = gaussians(random, n * shape.qDim(), 3f);
        String what = type + " " + shape + " block " + blockSize + " length " + maxLen;
        for (int layer = 0; layer < layers; layer++) {
            float[] java = new float[n * shape.qDim()];
            float[] c = new float[n * shape.qDim()];
            CpuAttention.run(kv, layer, plan, queries, shape, java, false);
            CpuAttention.run(kv, layer, plan, queries, shape, c, true);
            assertSameBits(definition(kv, layer, plan, queries, shape), java, "Java against the definition, " + what);
            assertSameBits(java, c, "native against Java, " + what);
        }
    }

    /** The scalar definition of every row's attention, slot by slot. */
    private static float[] definition(HostKvCacheStorage kv, int layer, StepPlan plan, float[] queries,
            AttentionShape shape) {
        int d = shape.headDim();
        float[] out = new float[plan.size() * shape.qDim()];
        for (int r = 0; r < plan.size(); r++) {
            int len = plan.position(r) + 1;
            for (int h = 0; h < shape.heads(); h++) {
                int qAt = r * shape.qDim() + h * d;
                int kvAt = (h / shape.group()) * d;
                float[] s = new float[len];
                for (int t = 0; t < len; t++) {
                    int slot = plan.blockTable(r)[t / kv.blockSize()] * kv.blockSize() + t % kv.blockSize();
                    float[] key = stored(kv, layer, slot, true, kvAt, d);
                    float[] lanes = new float[LaneSum.LANES];
                    int len8 = d - d % LaneSum.LANES;
                    for (int k = 0; k < len8; k++) {
                        lanes[k % 8] = Math.fma(queries[qAt + k], key[k], lanes[k % 8]);
                    }
                    s[t] = LaneSum.tail(LaneSum.sum(lanes, 0), queries, qAt + len8, key, len8, d - len8);
                }
                softmax(s, shape.scale());
                for (int t = 0; t < len; t++) {
                    int slot = plan.blockTable(r)[t / kv.blockSize()] * kv.blockSize() + t % kv.blockSize();
                    float[] value = stored(kv, layer, slot, false, kvAt, d);
                    for (int k = 0; k < d; k++) {
                        out[qAt + k] = Math.fma(s[t], value[k], out[qAt + k]);
                    }
                }
            }
        }
        return out;
    }

    /** Softmax's class comment, step by step. */
    private static void softmax(float[] s, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < s.length; t++) {
            s[t] *= scale;
            max = Math.max(max, s[t]);
        }
        float[] lanes = new float[LaneSum.LANES];
        int len8 = s.length - s.length % LaneSum.LANES;
        for (int t = 0; t < s.length; t++) {
            s[t] = Exp.exp(s[t] - max);
            if (t < len8) {
                lanes[t % 8] += s[t];
            }
        }
        float sum = LaneSum.sum(lanes, 0);
        for (int t = len8; t < s.length; t++) {
            sum += s[t];
        }
        float inv = 1f / sum;
        for (int t = 0; t < s.length; t++) {
            s[t] *= inv;
        }
    }

    /** A slot's stored key or value of one head, widened to floats. */
    private static float[] stored(HostKvCacheStorage kv, int layer, int slot, boolean key, int at, int len) {
        Object array = key ? kv.layerKeys(layer) : kv.layerValues(layer);
        float[] out = new float[len];
        for (int k = 0; k < len; k++) {
            int i = slot * kv.kvDim() + at + k;
            out[k] = array instanceof float[] f ? f[i] : io.sluice.tensor.quant.Fp16.toFloat(((short[]) array)[i]);
        }
        return out;
    }

    private static float[] gaussians(Random random, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian() * scale;
        }
        return a;
    }

    private static void assertSameBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                        what + ", element " + i + ": " + want[i] + " against " + got[i]);
            }
        }
    }
}
