package io.sluice.tensor.cpu;

import io.sluice.kv.HostKvCacheStorage;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.StepPlan;
import java.util.Random;

/**
 * One fixed attention step over an F32 or F16 cache through the path this JVM takes (native, Vector API or
 * scalar), for FallbackProbe: grouped heads of 13 values, blocks of 5 slots, three rows at odd positions.
 */
public final class AttentionProbe {
    private AttentionProbe() {
    }

    /** The step's results. */
    public static float[] run(KvType type) {
        AttentionShape shape = new AttentionShape(6, 2, 13, 0.3f);
        int blockSize = 5;
        HostKvCacheStorage kv = KvCacheStorage.allocate(24, blockSize, 1, shape.kvDim(), type);
        Random random = new Random(17);
        for (int slot = 0; slot < 24 * blockSize; slot++) {
            kv.write(0, slot, gaussians(random, shape.kvDim()), 0, gaussians(random, shape.kvDim()), 0);
        }
        int[] first = {7, 3, 22, 0, 15, 9, 1, 18};
        int[] second = {4, 11, 2, 20, 6, 13, 8, 5};
        StepPlan plan = new StepPlan();
        plan.reset(3, blockSize);
        plan.set(0, 0, 38, first, true);
        plan.set(1, 0, 39, first, true);
        plan.set(2, 0, 23, second, true);
        float[] out = new float[3 * shape.qDim()];
        CpuAttention.run(kv, 0, plan, gaussians(random, 3 * shape.qDim()), shape, out);
        return out;
    }

    private static float[] gaussians(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian() * 2f;
        }
        return a;
    }
}
