package io.sluice.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PromptLookupDrafterTest {

    private static int[] lookup(int max, int... tokens) {
        int[] out = new int[max];
        int n = PromptLookupDrafter.lookup(tokens, tokens.length, max, out);
        return Arrays.copyOf(out, n);
    }

    @Test
    void continuesTheLatestOccurrenceOfTheLongestSuffix() {
        // suffix [7 8 9] occurs once, followed by 1 2 3; the shorter suffix [9] also follows elsewhere
        assertArrayEquals(new int[] {1, 2, 3}, lookup(3, 7, 8, 9, 1, 2, 3, 4, 9, 5, 7, 8, 9));
        // the latest of two occurrences wins
        assertArrayEquals(new int[] {6, 6}, lookup(2, 4, 5, 1, 4, 5, 6, 6, 4, 5));
    }

    @Test
    void proposesAtMostMaxAndOnlyKnownTokens() {
        assertArrayEquals(new int[] {2, 1}, lookup(4, 1, 2, 1));
        assertArrayEquals(new int[] {}, lookup(4, 1, 2, 3));
        assertArrayEquals(new int[] {}, lookup(4, 5));
    }

    @Test
    void fallsBackToShorterNgrams() {
        assertEquals(1, lookup(1, 3, 1, 4, 3).length); // only the 1-gram [3] matches
        assertArrayEquals(new int[] {1}, lookup(1, 3, 1, 4, 3));
    }
}
