package io.sluice.sampling;

import java.util.HashMap;
import java.util.Map;

/**
 * The last N tokens of a sequence (prompt and generated) with a count per distinct token, as llama.cpp's
 * penalties sampler keeps them: a token accepted when the window is full pushes the oldest one out.
 * {@code lastN} 0 disables the window; -1 means the whole context (capacity given by the caller).
 */
final class PenaltyWindow {

    private final int[] ring;
    private int start;
    private int size;
    private final Map<Integer, int[]> counts = new HashMap<>();

    PenaltyWindow(int capacity) {
        this.ring = new int[Math.max(0, capacity)];
    }

    private PenaltyWindow(PenaltyWindow other) {
        this.ring = other.ring.clone();
        this.start = other.start;
        this.size = other.size;
        other.counts.forEach((id, c) -> counts.put(id, new int[] {c[0]}));
    }

    PenaltyWindow copy() {
        return new PenaltyWindow(this);
    }

    void accept(int token) {
        if (ring.length == 0) {
            return;
        }
        if (size == ring.length) {
            int old = ring[start];
            int[] c = counts.get(old);
            if (--c[0] == 0) {
                counts.remove(old);
            }
            ring[start] = token;
            start = (start + 1) % ring.length;
        } else {
            ring[(start + size) % ring.length] = token;
            size++;
        }
        counts.computeIfAbsent(token, t -> new int[1])[0]++;
    }

    /** How often each token occurs in the window (token id -> count), read-only view. */
    Map<Integer, int[]> counts() {
        return counts;
    }

    int size() {
        return size;
    }
}
