package io.sluice.model;

import java.util.Arrays;

/**
 * Which layers each device of a split model runs: device {@code d} runs layers {@code [first(d), end(d))}, in
 * order, every device at least one. The first device also runs the embedding, the last the final norm and the
 * output projection.
 *
 * <p>Two ways to choose: {@link #even} when the devices have no memory budget of their own (the CPU), and
 * {@link #byMemory} from what each device's budget has left: the split that leaves the most KV memory per layer
 * on the device that has least, because the KV cache has one block table for all devices, so the device with
 * the least room per layer bounds how many blocks every device holds.
 */
public record LayerSplit(int[] bounds) {

    /** @param bounds {@code bounds[0] == 0 < bounds[1] < ... < bounds[devices]} = the number of layers */
    public LayerSplit {
        bounds = bounds.clone();
        if (bounds.length < 2 || bounds[0] != 0) {
            throw new IllegalArgumentException("a layer split needs bounds from 0, got " + Arrays.toString(bounds));
        }
        for (int d = 1; d < bounds.length; d++) {
            if (bounds[d] <= bounds[d - 1]) {
                throw new IllegalArgumentException("every device needs at least one layer: " + Arrays.toString(bounds));
            }
        }
    }

    public int devices() {
        return bounds.length - 1;
    }

    public int layers() {
        return bounds[bounds.length - 1];
    }

    /** The first layer of device {@code d}. */
    public int first(int d) {
        return bounds[d];
    }

    /** One past the last layer of device {@code d}. */
    public int end(int d) {
        return bounds[d + 1];
    }

    @Override
    public int[] bounds() {
        return bounds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSplit s && Arrays.equals(bounds, s.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    /** "layers 0-15 | 16-31". */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("layers ");
        for (int d = 0; d < devices(); d++) {
            b.append(d == 0 ? "" : " | ").append(first(d)).append('-').append(end(d) - 1);
        }
        return b.toString();
    }

    /** {@code layers} over {@code devices} as evenly as can be; the first devices take one more when it does not divide. */
    public static LayerSplit even(int layers, int devices) {
        check(layers, devices);
        int[] bounds = new int[devices + 1];
        for (int d = 0; d < devices; d++) {
            bounds[d + 1] = bounds[d] + layers / devices + (d < layers % devices ? 1 : 0);
        }
        return new LayerSplit(bounds);
    }

    /**
     * The contiguous split that maximises the smallest KV room per layer over the devices, where device
     * {@code d}'s room is {@code budgets[d] - fixed[d] - (weights of its layers)}, divided by its layer count.
     * {@code fixed} holds what a device carries besides its layers (the embedding on the first, the output
     * projection on the last). Found by bisection on that room: a room is reachable when packing the layers in
     * order, each device taking as many as fit its budget at that room per layer while leaving one layer for
     * every later device, places them all.
     *
     * @param layerBytes bytes of each layer's weights on its device
     * @throws IllegalArgumentException when the layers do not fit the budgets even with no room for KV, with the
     *     numbers
     */
    public static LayerSplit byMemory(long[] layerBytes, long[] budgets, long[] fixed) {
        int layers = layerBytes.length;
        int devices = budgets.length;
        check(layers, devices);
        if (fixed.length != devices) {
            throw new IllegalArgumentException("one fixed size per device");
        }
        if (pack(layerBytes, budgets, fixed, 0) == null) {
            long total = Arrays.stream(layerBytes).sum() + Arrays.stream(fixed).sum();
            throw new IllegalArgumentException(String.format("the model does not fit the devices: %.2f GiB of weights"
                    + " against %.2f GiB left on %d devices", total / GIB, Arrays.stream(budgets).sum() / GIB, devices));
        }
        long low = 0;
        long high = Arrays.stream(budgets).max().orElse(0);
        while (low < high) {
            long mid = low + (high - low + 1) / 2;
            if (pack(layerBytes, budgets, fixed, mid) != null) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return new LayerSplit(pack(layerBytes, budgets, fixed, low));
    }

    private static final double GIB = 1L << 30;

    /** Bounds that place every layer with {@code room} bytes left per layer on each device, or null. */
    private static int[] pack(long[] layerBytes, long[] budgets, long[] fixed, long room) {
        int layers = layerBytes.length;
        int devices = budgets.length;
        int[] bounds = new int[devices + 1];
        int next = 0;
        for (int d = 0; d < devices; d++) {
            long used = fixed[d];
            int last = d == devices - 1 ? layers : layers - (devices - 1 - d); // leave one for each later device
            int taken = 0;
            while (next < last && used + layerBytes[next] + room <= budgets[d]) {
                used += layerBytes[next] + room;
                next++;
                taken++;
            }
            if (taken == 0 || used > budgets[d]) {
                return null;
            }
            bounds[d + 1] = next;
        }
        return next == layers ? bounds : null;
    }

    private static void check(int layers, int devices) {
        if (devices < 1) {
            throw new IllegalArgumentException("a layer split needs at least one device");
        }
        if (layers < devices) {
            throw new IllegalArgumentException("cannot split " + layers + " layers over " + devices + " devices");
        }
    }
}
