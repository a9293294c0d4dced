package io.sluice.sampling;

/**
 * Packs (logit, token id) into one long whose ascending order is "highest logit first, lowest id first on
 * ties", so candidates sort with a primitive sort and every ordering is fully deterministic.
 */
final class CandidateKeys {

    private CandidateKeys() {
    }

    static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff); // ascending int order == ascending float order
        return ((long) ~sortable << 32) | (id & 0xffffffffL);
    }

    static int id(long key) {
        return (int) key;
    }

    /**
     * Selects the {@code k} best of {@code n} values (NaN and -infinity never selected) into
     * {@code out[0..returned)}, sorted best first. Returns how many were selected (at most k).
     * O(n log k): a bounded max-heap of the best keys seen so far.
     */
    static int selectBest(float[] values, int offset, int n, int k, long[] out) {
        if (k <= 0) {
            return 0;
        }
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = values[offset + i];
            if (!(v > Float.NEGATIVE_INFINITY)) {
                continue;
            }
            long key = key(v, i);
            if (size < k) {
                out[size] = key;
                siftUp(out, size++);
            } else if (key < out[0]) {
                out[0] = key;
                siftDown(out, size);
            }
        }
        java.util.Arrays.sort(out, 0, size);
        return size;
    }

    /** All usable values (not NaN, not -infinity) as keys, sorted best first; returns their count. */
    static int sortAll(float[] values, int offset, int n, long[] out) {
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = values[offset + i];
            if (v > Float.NEGATIVE_INFINITY) {
                out[size++] = key(v, i);
            }
        }
        java.util.Arrays.sort(out, 0, size);
        return size;
    }

    private static void siftUp(long[] heap, int i) {
        long x = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= x) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = x;
    }

    private static void siftDown(long[] heap, int size) {
        long x = heap[0];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= x) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }
}
