package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Once C2 has compiled them, the products allocate nothing. A vector operation that C2 fails to
 * intrinsify (for example after a method outgrows the inliner's node budget) allocates an object per
 * operation and runs tens of times slower: this test catches such a regression without timing anything.
 */
class AllocationFreeKernelsTest {
    @Test
    void compiledProductsDoNotAllocate() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        WeightTensor[] tensors = new WeightTensor[TestTensors.TYPES.length];
        for (int t = 0; t < tensors.length; t++) {
            tensors[t] = TestTensors.random(TestTensors.TYPES[t], 16, 512, t);
        }
        float[] x = TestTensors.randomFloats(3 * 512, new Random(1));
        float[] out = new float[3 * 16];
        long deadline = System.nanoTime() + 30_000_000_000L;
        long allocated = Long.MAX_VALUE;
        while (allocated > 0 && System.nanoTime() < deadline) {
            for (int rep = 0; rep < 200; rep++) {
                sweep(tensors, x, out);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            sweep(tensors, x, out);
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertTrue(allocated == 0, "a warmed-up sweep over all types still allocates " + allocated + " bytes");
    }

    private static void sweep(WeightTensor[] tensors, float[] x, float[] out) {
        for (WeightTensor w : tensors) {
            w.matmul(x, 1, out, 16, 0, 0, 16);
            w.matmul(x, 3, out, 16, 0, 0, 16);
        }
    }
}
