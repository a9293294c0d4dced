package io.sluice.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** How layers are shared out between devices: evenly, or by what each device's memory budget leaves. */
class LayerSplitTest {

    @Test
    void evenGivesTheFirstDevicesTheRemainder() {
        assertArrayEquals(new int[] {0, 2, 4, 5}, LayerSplit.even(5, 3).bounds());
        assertArrayEquals(new int[] {0, 16, 32}, LayerSplit.even(32, 2).bounds());
        assertEquals("layers 0-1 | 2-3 | 4-4", LayerSplit.even(5, 3).toString());
        assertThrows(IllegalArgumentException.class, () -> LayerSplit.even(2, 3));
    }

    @Test
    void equalDevicesSplitEquallyWhenTheEndsWeighTheSame() {
        long[] layers = new long[32];
        Arrays.fill(layers, 100);
        LayerSplit s = LayerSplit.byMemory(layers, new long[] {5000, 5000}, new long[] {300, 300});
        assertArrayEquals(new int[] {0, 16, 32}, s.bounds());
    }

    @Test
    void aLargerBudgetTakesMoreLayersAndEveryDeviceKeepsTheMostKvRoomPerLayer() {
        long[] layers = new long[30];
        Arrays.fill(layers, 100);
        long[] budgets = {2000, 6000, 4000};
        long[] fixed = {200, 0, 400};
        LayerSplit s = LayerSplit.byMemory(layers, budgets, fixed);
        assertEquals(30, s.layers());
        // The smallest room per layer over the devices is as large as any other contiguous split can make it.
        long best = minRoom(s.bounds(), layers, budgets, fixed);
        for (int a = 1; a < 29; a++) {
            for (int b = a + 1; b < 30; b++) {
                assertTrue(minRoom(new int[] {0, a, b, 30}, layers, budgets, fixed) <= best, a + "," + b);
            }
        }
        assertTrue(s.end(1) - s.first(1) > s.end(0) - s.first(0), s.toString());
    }

    @Test
    void refusesAModelLargerThanTheBudgetsWithTheNumbers() {
        long[] layers = new long[4];
        Arrays.fill(layers, 1L << 30);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerSplit.byMemory(layers, new long[] {1L << 30, 1L << 30}, new long[] {0, 0}));
        assertTrue(e.getMessage().contains("4.00 GiB of weights against 2.00 GiB left on 2 devices"), e.getMessage());
    }

    private static long minRoom(int[] bounds, long[] layers, long[] budgets, long[] fixed) {
        long min = Long.MAX_VALUE;
        for (int d = 0; d + 1 < bounds.length; d++) {
            long used = fixed[d];
            for (int l = bounds[d]; l < bounds[d + 1]; l++) {
                used += layers[l];
            }
            min = Math.min(min, (budgets[d] - used) / (bounds[d + 1] - bounds[d]));
        }
        return min;
    }
}
