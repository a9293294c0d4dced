package io.sluice.tokenizer;

/**
 * The merge loop both tokenizers share: adjacent symbols are merged best-ranked pair first, leftmost among
 * equals (llama.cpp's rule), over a linked list of symbols with a heap of candidate merges, so a long word
 * costs O(n log n) rather than O(n²). What "rank" means is the tokenizer's: merge order for BPE, piece
 * score for SentencePiece.
 */
final class SymbolMerger {

    /** The rank of merging two symbols: {@code priority << 32 | mergedSymbol}, or {@link PairTable#ABSENT}. */
    @FunctionalInterface
    interface PairRank {
        long of(int left, int right);
    }

    private static final int DEAD = Integer.MIN_VALUE;

    private SymbolMerger() {
    }

    /**
     * Merges {@code sym} in place and returns the positions of the surviving symbols, in order (a survivor at
     * position i holds the merge of the symbols that started at i).
     */
    static int[] merge(int[] sym, PairRank rank) {
        int len = sym.length;
        int[] prev = new int[len];
        int[] next = new int[len];
        for (int i = 0; i < len; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < len ? i + 1 : -1;
        }
        MergeQueue queue = new MergeQueue();
        for (int i = 1; i < len; i++) {
            offer(queue, sym, rank, i - 1, i);
        }
        int survivors = len;
        while (!queue.isEmpty()) {
            long key = queue.pop();
            int left = (int) key;
            if (sym[left] == DEAD) {
                continue;
            }
            int right = next[left];
            if (right < 0) {
                continue;
            }
            long merged = rank.of(sym[left], sym[right]);
            // A stale entry: the pair at this position changed since it was queued.
            if (merged == PairTable.ABSENT || (merged >>> 32) != (key >>> 32)) {
                continue;
            }
            sym[left] = (int) merged;
            sym[right] = DEAD;
            survivors--;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, sym, rank, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, sym, rank, left, next[left]);
            }
        }
        int[] positions = new int[survivors];
        int k = 0;
        for (int i = 0; i >= 0 && len > 0; i = next[i]) {
            positions[k++] = i;
        }
        return positions;
    }

    private static void offer(MergeQueue queue, int[] sym, PairRank rank, int left, int right) {
        long merged = rank.of(sym[left], sym[right]);
        if (merged != PairTable.ABSENT) {
            queue.push((merged & 0xffffffff00000000L) | left);
        }
    }
}
