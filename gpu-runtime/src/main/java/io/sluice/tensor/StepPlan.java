package io.sluice.tensor;

import java.util.Arrays;

/**
 * The rows of one forward step on the host, in the backend-neutral form the operations need: per row its
 * token id, position, KV slot (block × block size + offset) and block table, and the rows that want logits.
 * Filled by the model from its batch and reused step after step (arrays grow, never shrink), so a steady
 * state allocates nothing. This is all that goes up to a device each step.
 */
public final class StepPlan implements StepRows {
    private int size;
    private int blockSize;
    private int[] tokens = new int[16];
    private int[] positions = new int[16];
    private int[] slots = new int[16];
    private int[][] blockTables = new int[16][];
    private int[] logitRows = new int[16];
    private int logitCount;

    /** Starts a step of {@code n} rows over KV blocks of {@code blockSize} slots. */
    public void reset(int n, int blockSize) {
        if (tokens.length < n) {
            int cap = Math.max(n, 2 * tokens.length);
            tokens = Arrays.copyOf(tokens, cap);
            positions = Arrays.copyOf(positions, cap);
            slots = Arrays.copyOf(slots, cap);
            blockTables = Arrays.copyOf(blockTables, cap);
            logitRows = Arrays.copyOf(logitRows, cap);
        }
        Arrays.fill(blockTables, size, blockTables.length, null);
        this.size = n;
        this.blockSize = blockSize;
        this.logitCount = 0;
    }

    /** Row {@code r}: {@code token} at {@code position}, whose KV block is {@code blockTable[position / blockSize]}. */
    public void set(int r, int token, int position, int[] blockTable, boolean wantsLogits) {
        tokens[r] = token;
        positions[r] = position;
        blockTables[r] = blockTable;
        slots[r] = blockTable[position / blockSize] * blockSize + position % blockSize;
        if (wantsLogits) {
            logitRows[logitCount++] = r;
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int logitRows() {
        return logitCount;
    }

    public int blockSize() {
        return blockSize;
    }

    public int token(int r) {
        return tokens[r];
    }

    public int position(int r) {
        return positions[r];
    }

    /** The global KV slot row {@code r} writes. */
    public int slot(int r) {
        return slots[r];
    }

    public int[] blockTable(int r) {
        return blockTables[r];
    }

    /** The batch row of the {@code j}-th row that wants logits. */
    public int logitRow(int j) {
        return logitRows[j];
    }
}
