package io.sluice.tensor.cuda;

import java.util.Arrays;

/**
 * Where each weight tensor sits in the one device allocation that holds them all: in order, each at an
 * offset aligned to {@link #ALIGNMENT} bytes (so a kernel may read any tensor with aligned vector loads).
 *
 * @param offsets byte offset of tensor i
 * @param totalBytes bytes of the whole allocation
 */
public record WeightLayout(long[] offsets, long totalBytes) {

    public static final int ALIGNMENT = 256;

    public static WeightLayout of(long... sizes) {
        long[] offsets = new long[sizes.length];
        long at = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 0) {
                throw new IllegalArgumentException("tensor " + i + " has negative size " + sizes[i]);
            }
            at = align(at);
            offsets[i] = at;
            at = Math.addExact(at, sizes[i]);
        }
        return new WeightLayout(offsets, align(at));
    }

    static long align(long bytes) {
        return Math.addExact(bytes, ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightLayout w && w.totalBytes == totalBytes && Arrays.equals(w.offsets, offsets);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(totalBytes) * 31 + Arrays.hashCode(offsets);
    }

    @Override
    public String toString() {
        return "WeightLayout" + Arrays.toString(offsets) + " of " + totalBytes;
    }
}
