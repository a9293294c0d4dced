package io.sluice.operators.inference;

import static io.sluice.operators.inference.InferenceOperatorTest.gpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GpuAssignmentTest {

    @Test
    void subtasksOfOneTaskManagerGetDifferentGpus() {
        var gpus = Set.of(gpu("0"), gpu("1"));
        // Subtasks 0 and 2 would both start at GPU 0; the second takes the free one.
        Device first = GpuAssignment.claim(gpus, 0);
        Device second = GpuAssignment.claim(gpus, 2);
        try {
            assertEquals(Device.gpu(0), first);
            assertNotEquals(first, second);
        } finally {
            GpuAssignment.release(first);
            GpuAssignment.release(second);
        }
        Device again = GpuAssignment.claim(gpus, 1);
        GpuAssignment.release(again);
        assertEquals(Device.gpu(1), again);
    }

    @Test
    void noGpusMeansTheCpu() {
        assertEquals(Device.CPU, GpuAssignment.claim(Set.of(), 3));
        assertEquals(Device.CPU, GpuAssignment.claim(null, 0));
        assertEquals(Device.CPU, GpuAssignment.claim(List.of(gpu("not-a-number")), 0));
        assertEquals(Device.CPU, GpuAssignment.claim(List.of(gpu("-1")), 0));
    }
}
