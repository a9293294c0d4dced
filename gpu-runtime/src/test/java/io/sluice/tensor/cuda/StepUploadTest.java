package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.sluice.tensor.StepPlan;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StepUploadTest {

    @Test
    void packsRowsLogitRowsAndEachTableOnceCutToWhatItsRowsReach() {
        int[] a = {7, 3, 9, 11};   // sequence A: a prompt of 3 rows at positions 4..6 (blocks 0..1 of size 4)
        int[] b = {5, 2};          // sequence B: one decode row at position 1 (block 0)
        StepPlan plan = new StepPlan();
        plan.reset(4, 4);
        plan.set(0, 100, 4, a, false);
        plan.set(1, 101, 5, a, false);
        plan.set(2, 200, 1, b, true);
        plan.set(3, 102, 6, a, true);
        StepUpload u = StepUpload.pack(plan, null);
        int[] expected = {
            100, 101, 200, 102,          // tokens
            4, 5, 1, 6,                  // positions
            3 * 4, 3 * 4 + 1, 5 * 4 + 1, 3 * 4 + 2,   // slots
            0, 0, 2, 0,                  // table offsets: A at 0 (2 blocks), B at 2 (1 block)
            2, 3,                        // logit rows
            7, 3, 5};                    // tables
        assertArrayEquals(expected, Arrays.copyOf(u.ints(), u.length()), u.toString());
        assertEquals(18, u.tables());
        assertEquals(16, u.logitRowIndexes());
    }

    @Test
    void reusesALargeEnoughScratchArray() {
        StepPlan plan = new StepPlan();
        plan.reset(1, 16);
        plan.set(0, 1, 0, new int[] {0}, true);
        int[] scratch = new int[128];
        assertSame(scratch, StepUpload.pack(plan, scratch).ints());
    }
}
