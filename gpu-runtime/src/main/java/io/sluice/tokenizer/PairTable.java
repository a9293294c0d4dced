package io.sluice.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing hash map from a pair of symbol ids to a long value: the merge table of both tokenizers.
 * Primitive keys keep the merge loop free of allocation.
 */
final class PairTable {
    private static final long EMPTY = Long.MIN_VALUE;
    static final long ABSENT = Long.MIN_VALUE;

    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    PairTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    /** Stores the value unless the pair is already present (the first entry wins, like an ordered merge list). */
    void putIfAbsent(int left, int right, long value) {
        long k = key(left, right);
        if (k == EMPTY) {
            throw new IllegalArgumentException("reserved key");
        }
        int i = slot(k);
        while (keys[i] != EMPTY) {
            if (keys[i] == k) {
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    /** The value, or {@link #ABSENT}. */
    long get(int left, int right) {
        long k = key(left, right);
        if (k == EMPTY) {
            return ABSENT;
        }
        int i = slot(k);
        while (true) {
            long found = keys[i];
            if (found == k) {
                return values[i];
            }
            if (found == EMPTY) {
                return ABSENT;
            }
            i = (i + 1) & mask;
        }
    }

    boolean contains(int left, int right) {
        return get(left, right) != ABSENT;
    }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = slot(oldKeys[j]);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }
}
