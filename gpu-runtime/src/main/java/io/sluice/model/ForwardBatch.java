package io.sluice.model;

import java.util.Arrays;

/**
 * The rows of one forward step: each row is one token of one sequence at one position, with that sequence's
 * block table (position p lives in block {@code blockTable[p / blockSize]}, slot {@code p % blockSize}).
 * Rows of one sequence appear in increasing position order; a row attends to positions [0, p] of its own
 * sequence, including rows earlier in the same batch. Rows may come from any number of sequences: the
 * arithmetic of each row does not depend on the others, which is what makes outputs batch-invariant.
 */
public final class ForwardBatch {

    private int size;
    private int[] tokens = new int[16];
    private int[] positions = new int[16];
    private int[][] blockTables = new int[16][];
    private boolean[] wantLogits = new boolean[16];
    private int logitRows;

    /** Adds a row; returns its index. */
    public int add(int token, int position, int[] blockTable, boolean logits) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        if (size == tokens.length) {
            int n = size * 2;
            tokens = Arrays.copyOf(tokens, n);
            positions = Arrays.copyOf(positions, n);
            blockTables = Arrays.copyOf(blockTables, n);
            wantLogits = Arrays.copyOf(wantLogits, n);
        }
        tokens[size] = token;
        positions[size] = position;
        blockTables[size] = blockTable;
        wantLogits[size] = logits;
        if (logits) {
            logitRows++;
        }
        return size++;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int token(int row) {
        return tokens[row];
    }

    public int position(int row) {
        return positions[row];
    }

    public int[] blockTable(int row) {
        return blockTables[row];
    }

    public boolean wantsLogits(int row) {
        return wantLogits[row];
    }

    /** How many rows want logits. */
    public int logitRows() {
        return logitRows;
    }

    public void clear() {
        size = 0;
        logitRows = 0;
        Arrays.fill(blockTables, null);
    }
}
