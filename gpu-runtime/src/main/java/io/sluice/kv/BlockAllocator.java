package io.sluice.kv;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The fixed pool of KV blocks: ids 0 .. N-1, a reference count per block and a free list. A block whose
 * count drops to zero goes back to the free list, unless the prefix cache holds it: then it stays
 * cached (still valid, reusable by a later sequence with the same prefix) until the pool needs space and
 * the cache gives up its least recently used one. Not thread-safe: owned by the scheduler's thread.
 */
public final class BlockAllocator {

    private final int[] refCounts;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private PrefixCache cache;

    public BlockAllocator(int numBlocks) {
        if (numBlocks <= 0) {
            throw new IllegalArgumentException("a KV pool needs at least one block, got " + numBlocks);
        }
        refCounts = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            free.addLast(i);
        }
    }

    /** Connects the prefix cache whose unreferenced blocks may be evicted to make room. */
    void attach(PrefixCache prefixCache) {
        this.cache = prefixCache;
    }

    public int totalBlocks() {
        return refCounts.length;
    }

    /** Blocks that can be handed out now: free ones plus cached ones nobody references. */
    public int availableBlocks() {
        return free.size() + (cache == null ? 0 : cache.evictableBlocks());
    }

    /** Blocks referenced by at least one sequence. */
    public int usedBlocks() {
        return refCounts.length - availableBlocks();
    }

    /** A fresh block with reference count 1, or -1 when the pool is exhausted. */
    public int allocate() {
        Integer id = free.pollFirst();
        if (id == null) {
            if (cache == null) {
                return -1;
            }
            int evicted = cache.evictLeastRecentlyUsed();
            if (evicted < 0) {
                return -1;
            }
            id = evicted;
        }
        refCounts[id] = 1;
        return id;
    }

    /** One more reference to a block in use or held by the cache (the cache calls this on a hit). */
    public void retain(int block) {
        checkId(block);
        refCounts[block]++;
    }

    /** Drops one reference; at zero the block returns to the free list or, if cached, becomes evictable. */
    public void release(int block) {
        checkId(block);
        if (refCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than retained");
        }
        if (--refCounts[block] == 0) {
            if (cache != null && cache.isCached(block)) {
                cache.markEvictable(block);
            } else {
                free.addLast(block);
            }
        }
    }

    public int refCount(int block) {
        checkId(block);
        return refCounts[block];
    }

    /** Called by the cache when it evicts or forgets a block nobody references. */
    void returnToFreeList(int block) {
        free.addLast(block);
    }

    private void checkId(int block) {
        if (block < 0 || block >= refCounts.length) {
            throw new IllegalArgumentException("no KV block " + block + " in a pool of " + refCounts.length);
        }
    }

    @Override
    public String toString() {
        return "BlockAllocator[total=" + refCounts.length + ", free=" + free.size() + ", refs="
                + Arrays.stream(refCounts).sum() + "]";
    }
}
