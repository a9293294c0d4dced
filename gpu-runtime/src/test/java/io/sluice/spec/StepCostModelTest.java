package io.sluice.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StepCostModelTest {

    private static StepCostModel measured(long fixed, long perRow) {
        StepCostModel m = new StepCostModel();
        for (int i = 0; i < 40; i++) {
            int rows = 1 + i % 40;
            m.observeStep(rows, fixed + perRow * rows);
        }
        for (int i = 0; i < StepCostModel.DRAFT_WARM_UP; i++) {
            m.observeDraft(1, 1, 0); // a free drafter (prompt lookup)
        }
        return m;
    }

    @Test
    void fitsFixedAndPerRowCosts() {
        StepCostModel m = measured(10_000_000, 100_000);
        assertEquals(10_000_000, m.fixedNanos(), 1);
        assertEquals(100_000, m.perRowNanos(), 0.01);
    }

    @Test
    void draftsWhileMemoryBoundAndNotWhenComputeBound() {
        // memory-bound: a step costs about the same for 1 or 5 rows, so drafts that are half accepted pay
        StepCostModel memory = measured(20_000_000, 200_000);
        assertEquals(4, memory.bestCap(1, 1, 1, new int[] {1, 2, 3, 4}, new double[] {0.9, 1.6, 2.1, 2.4}));
        // compute-bound: every row costs as much as the fixed part of 32, so no drafts
        StepCostModel compute = measured(1_000_000, 2_000_000);
        assertEquals(0, compute.bestCap(32, 32, 32, new int[] {32, 64, 96, 128}, new double[] {16, 24, 28, 30}));
    }

    @Test
    void theDraftersTimeCounts() {
        StepCostModel m = measured(10_000_000, 100_000);
        for (int i = 0; i < 20; i++) {
            m.observeDraft(1, 4, 4 * 12_000_000L); // a drafter as slow as the model: never worth it
        }
        assertEquals(0, m.bestCap(1, 1, 1, new int[] {1, 2, 3, 4}, new double[] {0.5, 0.75, 0.9, 0.95}));
    }

    @Test
    void theDraftersCostGrowsWithTheSequencesDrafting() {
        StepCostModel m = measured(20_000_000, 200_000);
        for (int i = 0; i < 10; i++) {
            m.observeDraft(1, 4, 4 * 2_000_000L);
            m.observeDraft(32, 4, 4 * 40_000_000L);
        }
        assertEquals(4, m.bestCap(1, 1, 1, new int[] {1, 2, 3, 4}, new double[] {0.9, 1.6, 2.1, 2.4}));
        assertEquals(0, m.bestCap(32, 32, 32, new int[] {32, 64, 96, 128}, new double[] {29, 51, 67, 77}));
    }

    @Test
    void probesNowAndThenWhileDraftsDoNotPay() {
        StepCostModel compute = measured(1_000_000, 2_000_000);
        int[] drafts = {32, 64};
        double[] expected = {16, 24};
        for (int i = 1; i < StepCostModel.PROBE_INTERVAL; i++) {
            assertEquals(0, compute.bestCap(32, 32, 32, drafts, expected));
        }
        assertEquals(false, compute.probing());
        assertEquals(1, compute.bestCap(32, 32, 32, drafts, expected));
        assertEquals(true, compute.probing());
        assertEquals(0, compute.bestCap(32, 32, 32, drafts, expected));
        assertEquals(false, compute.probing());
    }

    @Test
    void probesWithOneDraftUntilBothCostsAreMeasured() {
        StepCostModel m = new StepCostModel();
        int[] drafts = {1, 2, 3, 4};
        double[] expected = {0.9, 1.6, 2.1, 2.4};
        assertEquals(1, m.bestCap(1, 1, 1, drafts, expected));
        for (int i = 0; i < 40; i++) {
            m.observeStep(1 + i % 8, 20_000_000L + 200_000L * (1 + i % 8));
        }
        assertEquals(1, m.bestCap(1, 1, 1, drafts, expected), "the drafter's cost is still unknown");
        for (int i = 0; i < StepCostModel.DRAFT_WARM_UP; i++) {
            assertEquals(1, m.bestCap(1, 1, 1, drafts, expected));
            m.observeDraft(1, 1, 1_000_000L);
        }
        assertEquals(4, m.bestCap(1, 1, 1, drafts, expected));
    }
}
