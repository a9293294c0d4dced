package io.sluice.tensor.cuda;

import io.sluice.kv.KvType;

/**
 * How one GPU's memory is shared out: a budget of {@code gpu-memory-fraction} of the device (never more than is
 * free when the engine starts), the weights (uploaded once, still quantized), the activation workspace for the
 * largest step, and KV blocks from whatever is left.
 *
 * @param budget bytes the engine may use
 * @param weights bytes of the uploaded weights (with their alignment padding)
 * @param workspace bytes of activations and step inputs
 * @param kvBlockBytes bytes of one KV block over every layer, keys and values
 * @param kvBlocks KV blocks that fit in what is left
 */
public record DeviceMemoryPlan(long budget, long weights, long workspace, long kvBlockBytes, int kvBlocks) {

    /** Below this many KV blocks the engine could hold almost nothing: refuse instead. */
    public static final int MIN_KV_BLOCKS = 2;

    /**
     * Plans the memory of one device.
     *
     * @throws IllegalArgumentException on a fraction outside (0, 1] or non-positive sizes
     * @throws CudaUnavailableException when the weights, the workspace and {@link #MIN_KV_BLOCKS} KV blocks do
     *     not fit the budget (the message names every number)
     */
    public static DeviceMemoryPlan plan(long totalMemory, long freeMemory, double fraction, long weights,
            long workspace, long kvBlockBytes) {
        if (weights < 0 || workspace < 0 || kvBlockBytes <= 0) {
            throw new IllegalArgumentException("memory sizes must be positive");
        }
        long budget = budget(totalMemory, freeMemory, fraction);
        long left = budget - weights - workspace;
        long blocks = left <= 0 ? 0 : left / kvBlockBytes;
        if (blocks < MIN_KV_BLOCKS) {
            throw new CudaUnavailableException(String.format(
                    "the model does not fit the GPU budget: weights %s + activations %s + %d KV blocks of %s > %s"
                            + " (gpu-memory-fraction %.2f of %s, %s free)",
                    gib(weights), gib(workspace), MIN_KV_BLOCKS, gib(kvBlockBytes), gib(budget), fraction,
                    gib(totalMemory), gib(freeMemory)));
        }
        return new DeviceMemoryPlan(budget, weights, workspace, kvBlockBytes, (int) Math.min(blocks, Integer.MAX_VALUE));
    }

    /** {@code fraction} of the device's memory, but never more than is free now. */
    public static long budget(long totalMemory, long freeMemory, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("gpu-memory-fraction must be in (0, 1], got " + fraction);
        }
        if (totalMemory <= 0 || freeMemory < 0) {
            throw new IllegalArgumentException("memory sizes must be positive");
        }
        return Math.min((long) Math.floor(totalMemory * fraction), freeMemory);
    }

    /** Bytes of one KV block: {@code blockSize} tokens, every layer, keys and values, stored as {@code type}. */
    public static long kvBlockBytes(int blockSize, int layers, int kvDim, KvType type) {
        if (blockSize <= 0 || layers <= 0 || kvDim <= 0) {
            throw new IllegalArgumentException("KV shape must be positive");
        }
        if (type == KvType.Q8 && kvDim % KvType.Q8_BLOCK != 0) {
            throw new IllegalArgumentException("an 8-bit KV cache needs KV widths that are multiples of 32, got " + kvDim);
        }
        return blockSize * type.bytesPerToken(layers, kvDim);
    }

    static String gib(long bytes) {
        return String.format("%.2f GiB", bytes / (double) (1L << 30));
    }
}
