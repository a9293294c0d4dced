package io.sluice.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeededRandomTest {

    @Test
    void isSplitMix64() {
        // The reference outputs of SplitMix64 from state 0: pinned so that a seed means the same tokens forever.
        SeededRandom r = new SeededRandom(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        assertEquals(0x06C45D188009454FL, r.nextLong());
    }

    @Test
    void doublesAreInTheUnitInterval() {
        SeededRandom r = new SeededRandom(-5);
        double sum = 0;
        for (int i = 0; i < 10_000; i++) {
            double d = r.nextDouble();
            assertTrue(d >= 0 && d < 1);
            sum += d;
        }
        assertEquals(0.5, sum / 10_000, 0.02);
    }
}
