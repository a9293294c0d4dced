package io.sluice.tokenizer;

import java.util.Arrays;

/**
 * A binary min-heap of longs. Both tokenizers encode a candidate merge as {@code priority << 32 | leftIndex}, so
 * the smallest key is the best merge and, among equals, the leftmost one (llama.cpp's tie rule).
 */
final class MergeQueue {
    private long[] heap = new long[64];
    private int size;

    void clear() {
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(long key) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            long p = heap[parent];
            if (Long.compareUnsigned(p, key) <= 0) {
                break;
            }
            heap[i] = p;
            i = parent;
        }
        heap[i] = key;
    }

    long pop() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            long c = heap[child];
            int right = child + 1;
            if (right < size && Long.compareUnsigned(heap[right], c) < 0) {
                child = right;
                c = heap[right];
            }
            if (Long.compareUnsigned(last, c) <= 0) {
                break;
            }
            heap[i] = c;
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return top;
    }
}
