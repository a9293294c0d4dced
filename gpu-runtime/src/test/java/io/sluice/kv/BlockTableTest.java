package io.sluice.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BlockTableTest {

    @Test
    void truncateReleasesTheTailAndKeepsThePrefix() {
        BlockAllocator pool = new BlockAllocator(8);
        BlockTable t = new BlockTable(4);
        t.ensureCapacity(20, pool);
        assertEquals(5, t.size());
        int first = t.get(0);
        t.truncate(BlockTable.blocksFor(6, 4), pool);
        assertEquals(2, t.size());
        assertEquals(first, t.get(0));
        assertEquals(2, pool.usedBlocks());
        t.truncate(7, pool); // no-op beyond the size
        assertEquals(2, t.size());
        t.truncate(0, pool);
        assertEquals(0, pool.usedBlocks());
    }

    @Test
    void truncateDropsHashesOfReleasedBlocks() {
        BlockAllocator pool = new BlockAllocator(8);
        PrefixCache cache = new PrefixCache(pool, 2);
        BlockTable t = new BlockTable(2);
        int[] tokens = {1, 2, 3, 4, 5, 6};
        t.ensureCapacity(6, pool);
        cache.register(tokens, 6, t);
        assertEquals(3, t.hashedBlocks());
        t.truncate(1, pool);
        assertEquals(1, t.hashedBlocks());
        // the released blocks stay cached and serve the same prefix later
        BlockTable other = new BlockTable(2);
        assertEquals(4, cache.acquire(tokens, 5, other));
    }
}
