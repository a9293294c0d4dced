package io.sluice.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StopConditionsTest {

    @Test
    void stopIdsAndEndOfGeneration() {
        StopConditions c = StopConditions.of(Set.of(7), false, 3, 2, 32000);
        assertTrue(c.isStopToken(7));
        assertTrue(c.isStopToken(2));
        assertTrue(c.isStopToken(32000));
        assertFalse(c.isStopToken(5));
        assertFalse(c.reachedLimit(2));
        assertTrue(c.reachedLimit(3));
    }

    @Test
    void ignoreEosKeepsOnlyExplicitStops() {
        StopConditions c = StopConditions.of(Set.of(7), true, 128, 2);
        assertFalse(c.isStopToken(2));
        assertTrue(c.isStopToken(7));
    }

    @Test
    void stopStringsFindTheEarliestAndHoldBackPossibleStarts() {
        StopStrings s = new StopStrings(List.of("\n\n", "END", ""));
        assertEquals(5, s.find("hello\n\nworld END", 0));
        assertEquals(-1, s.find("hello", 0));
        assertEquals(13, s.find("hello\n\nworld END", 7));
        assertEquals("abc".length(), s.safeLength("abc"));
        assertEquals("abc".length(), s.safeLength("abc\n"));   // "\n" may start "\n\n"
        assertEquals("abc".length(), s.safeLength("abcEN"));   // "EN" may start "END"
        assertEquals("abcEX".length(), s.safeLength("abcEX"));
        assertEquals(0, s.searchFrom(2));
        assertEquals(8, s.searchFrom(10));
        assertTrue(new StopStrings(List.of()).isEmpty());
    }

    @Test
    void stopStringsWorkOnATextBeingBuiltAndOnItsPrefixes() {
        StopStrings s = new StopStrings(List.of("END", "\n\n"));
        StringBuilder text = new StringBuilder("a\n\nb END");
        assertEquals(1, s.find(text, 0), "the earliest of the stops, not the first listed");
        assertEquals(5, s.find(text, 2));
        assertEquals(-1, s.find(text, 6));
        assertEquals(-1, s.find(new StringBuilder("EN"), 0));
        assertEquals(5, s.safeLength(text, 6));   // "a\n\nb E": the "E" may start "END"
        assertEquals(5, s.safeLength(text, 5));   // up to the space: nothing held back
        assertEquals(1, s.safeLength(text, 2));   // "a\n": the "\n" may start "\n\n"
        assertEquals(0, s.safeLength(new StringBuilder(), 0));
        // a held-back tail never leaves half of a surrogate pair behind
        StopStrings emoji = new StopStrings(List.of("\uDE00x"));
        assertEquals(1, emoji.safeLength("a\uD83D\uDE00"));
    }
}
