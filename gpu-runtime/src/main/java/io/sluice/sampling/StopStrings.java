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
    public int find(CharSequence text, int from) {
        int best = -1;
        int start = Math.max(0, from);
        for (String s : stops) {
            int i = indexOf(text, s, start, best < 0 ? text.length() : best);
            if (i >= 0) {
                best = i;
            }
        }
        return best;
    }

    /** The first index in [from, before) where {@code s} starts in {@code text}, or -1. */
    private static int indexOf(CharSequence text, String s, int from, int before) {
        int last = Math.min(before - 1, text.length() - s.length());
        for (int i = from; i <= last; i++) {
            if (startsAt(text, i, s, s.length())) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the first {@code length} characters of {@code s} are at {@code at} of {@code text}. */
    private static boolean startsAt(CharSequence text, int at, String s, int length) {
        for (int j = 0; j < length; j++) {
            if (text.charAt(at + j) != s.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    /** Where to start searching after text grew from {@code previousLength}: overlaps the old end. */
    public int searchFrom(int previousLength) {
        return Math.max(0, previousLength - longest + 1);
    }

    /**
     * How much of {@code text} is safe to stream: all of it but the longest suffix that is a proper
     * prefix of some stop string.
     */
    public int safeLength(CharSequence text) {
        return safeLength(text, text.length());
    }

    /** As {@link #safeLength(CharSequence)} of the first {@code n} characters of {@code text}. */
    public int safeLength(CharSequence text, int n) {
        for (int keep = Math.min(longest - 1, n); keep > 0; keep--) {
            for (String s : stops) {
                // the tail of length keep is a proper prefix of s
                if (s.length() > keep && startsAt(text, n - keep, s, keep)) {
                    int cut = n - keep;
                    return cut > 0 && Character.isHighSurrogate(text.charAt(cut - 1)) ? cut - 1 : cut;
                }
            }
        }
        return n;
    }
}
