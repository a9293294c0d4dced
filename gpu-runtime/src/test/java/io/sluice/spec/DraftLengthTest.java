package io.sluice.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DraftLengthTest {

    @Test
    void growsWithAcceptanceAndShrinksWithRejection() {
        DraftLength d = new DraftLength(5);
        assertEquals(5, d.next());
        d.observe(5, 2);
        assertEquals(3, d.next());
        d.observe(3, 3);
        assertEquals(4, d.next());
        d.observe(4, 4);
        d.observe(5, 5);
        assertEquals(5, d.next());
    }

    @Test
    void pausesAfterRepeatedMissesThenProbesWithOne() {
        DraftLength d = new DraftLength(4);
        for (int i = 0; i < DraftLength.MISSES_BEFORE_PAUSE; i++) {
            d.observe(Math.max(1, d.next()), 0);
        }
        assertEquals(0, d.next());
        for (int i = 0; i < DraftLength.PAUSE_STEPS; i++) {
            d.skipped();
        }
        assertEquals(1, d.next());
    }

    @Test
    void expectedAcceptanceFollowsTheRecentRate() {
        DraftLength good = new DraftLength(4);
        DraftLength bad = new DraftLength(4);
        for (int i = 0; i < 20; i++) {
            good.observe(4, 4);
            bad.observe(1, 0);
        }
        assertTrue(good.expectedAccepted(4) > 3.5);
        assertTrue(bad.expectedAccepted(4) < 0.01);
    }
}
