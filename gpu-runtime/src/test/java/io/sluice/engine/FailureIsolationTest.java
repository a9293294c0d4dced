package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bisection on its own: which sequences it isolates, which go on, and how many passes it spends. */
class FailureIsolationTest {

    /** A pass over [from, to) that fails when it holds a failing sequence; counts passes and failures. */
    private static final class Pass implements FailureIsolation.Pass {
        final Set<Integer> failing;
        int passes;
        int failures;

        Pass(Set<Integer> failing) {
            this.failing = failing;
        }

        @Override
        public float[] run(int from, int to) {
            passes++;
            for (int i = from; i < to; i++) {
                if (failing.contains(i)) {
                    failures++;
                    throw new IllegalStateException("sequence " + i);
                }
            }
            return new float[] {from, to}; // which group's logits they are
        }
    }

    private static int log2Ceil(int n) {
        return 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    @Test
    void oneFailingSequenceIsIsolatedAnywhereInTheStep() {
        for (int n = 2; n <= 33; n++) {
            for (int bad = 0; bad < n; bad++) {
                Pass pass = new Pass(Set.of(bad));
                FailureIsolation f = FailureIsolation.isolate(n, new IllegalStateException("step"), pass);
                assertFalse(f.systemic(), n + "/" + bad);
                for (int i = 0; i < n; i++) {
                    if (i == bad) {
                        assertNull(f.logits(i));
                        assertEquals("sequence " + bad, f.cause(i).getMessage());
                    } else {
                        float[] l = f.logits(i);
                        assertNotNull(l, n + "/" + bad + ": " + i);
                        assertTrue(l[0] <= i && i < l[1], "the logits of its own group");
                        assertNull(f.cause(i));
                    }
                }
                assertTrue(pass.failures <= log2Ceil(n), n + "/" + bad + ": " + pass.failures + " failures");
                assertTrue(pass.passes <= 2 * log2Ceil(n), n + "/" + bad + ": " + pass.passes + " passes");
                assertEquals(pass.passes, f.passes());
            }
        }
    }

    @Test
    void twoFailingSequencesAreIsolatedWithinTheBudget() {
        for (int n = 2; n <= 17; n++) {
            for (int a = 0; a < n; a++) {
                for (int b = a + 1; b < n; b++) {
                    FailureIsolation f = FailureIsolation.isolate(n, new IllegalStateException("step"),
                            new Pass(Set.of(a, b)));
                    assertNotNull(f.cause(a));
                    assertNotNull(f.cause(b));
                    for (int i = 0; i < n; i++) {
                        if (i != a && i != b) {
                            assertNotNull(f.logits(i), n + ": " + a + "," + b + ": " + i);
                        }
                    }
                    assertEquals(n == 2, f.systemic(), "systemic only when every sequence failed alone");
                }
            }
        }
    }

    @Test
    void aFailureOfEverySequenceIsSystemicWithinTheBudget() {
        for (int n = 2; n <= 64; n++) {
            Set<Integer> all = new HashSet<>();
            for (int i = 0; i < n; i++) {
                all.add(i);
            }
            Pass pass = new Pass(all);
            FailureIsolation f = FailureIsolation.isolate(n, new IllegalStateException("step"), pass);
            assertTrue(f.systemic());
            assertTrue(pass.failures <= FailureIsolation.maxFailingPasses(n), "n " + n + ": " + pass.failures);
            assertEquals(pass.failures, pass.passes);
            for (int i = 0; i < n; i++) {
                assertNull(f.logits(i));
            }
        }
    }

    @Test
    void aSingleSequenceIsIsolatedWithoutRunningAgain() {
        Pass pass = new Pass(Set.of(0));
        IllegalStateException step = new IllegalStateException("step");
        FailureIsolation f = FailureIsolation.isolate(1, step, pass);
        assertSame(step, f.cause(0));
        assertEquals(0, pass.passes);
        assertFalse(f.systemic());
    }

    @Test
    void aFailureOfTheWholeBatchOnlyFailsNoSequence() {
        // e.g. a workspace too small for the whole step: its halves run
        FailureIsolation.Pass tooBig = (from, to) -> {
            if (to - from > 4) {
                throw new IllegalStateException("too many rows");
            }
            return new float[0];
        };
        FailureIsolation f = FailureIsolation.isolate(8, new IllegalStateException("too many rows"), tooBig);
        assertFalse(f.systemic());
        for (int i = 0; i < 8; i++) {
            assertNotNull(f.logits(i));
        }
    }

    @Test
    void theBudgetIsTwiceTheDepthAndOne() {
        assertEquals(1, FailureIsolation.maxFailingPasses(1));
        assertEquals(3, FailureIsolation.maxFailingPasses(2));
        assertEquals(5, FailureIsolation.maxFailingPasses(3));
        assertEquals(7, FailureIsolation.maxFailingPasses(8));
        assertEquals(9, FailureIsolation.maxFailingPasses(9));
        assertEquals(17, FailureIsolation.maxFailingPasses(256));
    }
}
