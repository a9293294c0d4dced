package io.sluice.sampling;

import java.util.List;

/**
 * Stop strings over a sequence's decoded text: generation ends when the text contains one of them, and
 * the output ends just before it. While streaming, the tail of the text that could still become the start
 * of a stop string is held back, so a stop string never reaches a listener.
 */
public final class StopStrings {

    private final List<String> stops;
    private final int longest;

    public StopStrings(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.longest = this.stops.stream().mapToInt(String::length).max().orElse(0);
    }

    public boolean isEmpty() {
        return stops.isEmpty();
    }

    /**
     * The index of the earliest stop string in {@code text} that starts at or after {@code from}
     * (pass the length before the latest append minus the longest stop, to search only new text), or -1.
     */
    public int find(String text, int from) {
        int best = -1;
        int start = Math.max(0, from);
        for (String s : stops) {
            int i = text.indexOf(s, start);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    /** Where to start searching after text grew from {@code previousLength}: overlaps the old end. */
    public int searchFrom(int previousLength) {
        return Math.max(0, previousLength - longest + 1);
    }

    /**
     * How much of {@code text} is safe to stream: all of it but the longest suffix that is a proper
     * prefix of some stop string.
     */
    public int safeLength(String text) {
        int n = text.length();
        for (int keep = Math.min(longest - 1, n); keep > 0; keep--) {
            String tail = text.substring(n - keep);
            for (String s : stops) {
                if (s.length() > keep && s.startsWith(tail)) {
                    int cut = n - keep;
                    return cut > 0 && Character.isHighSurrogate(text.charAt(cut - 1)) ? cut - 1 : cut;
                }
            }
        }
        return n;
    }
}
