package io.sluice.tensor.cuda;

import io.sluice.tensor.StepPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step's rows packed into one int array, copied to the device in one transfer: tokens, positions, KV slots,
 * block-table offsets (n each), the rows that want logits (m), then the block tables. Rows of one sequence
 * share one table array, so each table goes up once; a row's table is cut to the blocks its position needs.
 *
 * @param ints the packed array ({@link #length} ints used)
 * @param length ints used
 * @param rows n
 * @param logitRows m
 */
record StepUpload(int[] ints, int length, int rows, int logitRows) {

    int tokens() {
        return 0;
    }

    int positions() {
        return rows;
    }

    int slots() {
        return 2 * rows;
    }

    int tableOffsets() {
        return 3 * rows;
    }

    int logitRowIndexes() {
        return 4 * rows;
    }

    /** Where the block tables start; table offsets are relative to it. */
    int tables() {
        return 4 * rows + logitRows;
    }

    /** Packs {@code plan}, reusing {@code scratch} when it is large enough. Tables are placed in first-use order. */
    static StepUpload pack(StepPlan plan, int[] scratch) {
        int n = plan.size();
        int m = plan.logitRows();
        int bs = plan.blockSize();
        // table -> index into `order`; need[i] = blocks the rows using table i reach.
        Map<int[], Integer> index = new IdentityHashMap<>();
        List<int[]> order = new ArrayList<>();
        int[] need = new int[n];
        for (int r = 0; r < n; r++) {
            int[] table = plan.blockTable(r);
            Integer i = index.get(table);
            if (i == null) {
                i = order.size();
                index.put(table, i);
                order.add(table);
            }
            need[i] = Math.max(need[i], plan.position(r) / bs + 1);
        }
        int[] offsets = new int[order.size()];
        int total = 0;
        for (int i = 0; i < order.size(); i++) {
            offsets[i] = total;
            total += need[i];
        }
        int tables = 4 * n + m;
        int length = tables + total;
        int[] ints = scratch != null && scratch.length >= length ? scratch : new int[Math.max(length, 64)];
        for (int r = 0; r < n; r++) {
            ints[r] = plan.token(r);
            ints[n + r] = plan.position(r);
            ints[2 * n + r] = plan.slot(r);
            ints[3 * n + r] = offsets[index.get(plan.blockTable(r))];
        }
        for (int j = 0; j < m; j++) {
            ints[4 * n + j] = plan.logitRow(j);
        }
        for (int i = 0; i < order.size(); i++) {
            System.arraycopy(order.get(i), 0, ints, tables + offsets[i], need[i]);
        }
        return new StepUpload(ints, length, n, m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepUpload s && s.length == length && s.rows == rows && s.logitRows == logitRows
                && Arrays.equals(s.ints, 0, length, ints, 0, length);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(Arrays.copyOf(ints, length)) * 31 + rows;
    }

    @Override
    public String toString() {
        return "StepUpload" + Arrays.toString(Arrays.copyOf(ints, length)) + " rows " + rows + " logits " + logitRows;
    }
}
