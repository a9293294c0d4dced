package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvType;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceMemoryPlanTest {

    private static final long GIB = 1L << 30;

    @Test
    void kvBlocksComeFromWhatTheWeightsAndActivationsLeave() {
        // 10 GiB device, 0.9 of it, 2 GiB of weights, 1 GiB of activations: 6 GiB of 1 MiB blocks.
        DeviceMemoryPlan p = DeviceMemoryPlan.plan(10 * GIB, 10 * GIB, 0.9, 2 * GIB, GIB, 1L << 20);
        assertEquals(9 * GIB, p.budget());
        assertEquals((9 * GIB - 3 * GIB) >> 20, p.kvBlocks());
    }

    @Test
    void theBudgetNeverExceedsWhatIsFree() {
        DeviceMemoryPlan p = DeviceMemoryPlan.plan(10 * GIB, 4 * GIB, 0.9, 2 * GIB, GIB, 1L << 20);
        assertEquals(4 * GIB, p.budget());
        assertEquals(1024, p.kvBlocks());
    }

    @Test
    void aModelThatDoesNotFitIsRefusedWithItsNumbers() {
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> DeviceMemoryPlan.plan(10 * GIB, 10 * GIB, 0.5, 5 * GIB, GIB, 1L << 20));
        assertTrue(e.getMessage().startsWith("the model does not fit the GPU budget: weights 5.00 GiB"), e.getMessage());
        assertTrue(e.getMessage().contains("gpu-memory-fraction 0.50 of 10.00 GiB"), e.getMessage());
    }

    @Test
    void refusesABadFraction() {
        for (double f : List.of(0.0, -0.1, 1.01, Double.NaN)) {
            assertThrows(IllegalArgumentException.class, () -> DeviceMemoryPlan.plan(GIB, GIB, f, 0, 0, 1));
        }
    }

    @Test
    void kvBlockBytesPerType() {
        // 16 tokens, 12 layers, kvDim 768, keys and values.
        assertEquals(2L * 12 * 16 * 768 * 4, DeviceMemoryPlan.kvBlockBytes(16, 12, 768, KvType.F32));
        assertEquals(2L * 12 * 16 * 768 * 2, DeviceMemoryPlan.kvBlockBytes(16, 12, 768, KvType.F16));
        assertEquals(2L * 12 * 16 * (768 + 4 * 24), DeviceMemoryPlan.kvBlockBytes(16, 12, 768, KvType.Q8));
        assertThrows(IllegalArgumentException.class, () -> DeviceMemoryPlan.kvBlockBytes(16, 12, 100, KvType.Q8));
    }
}
