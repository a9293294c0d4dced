package io.sluice.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PrefixCacheTest {

    private static final int BS = 4;

    private static int[] tokens(int from, int n) {
        return IntStream.range(from, from + n).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
    }

    /** Allocates blocks for a computed sequence and registers them, as the scheduler does. */
    private static BlockTable computed(int[] seq, BlockAllocator a, PrefixCache c) {
        BlockTable t = new BlockTable(BS);
        int cached = c.acquire(seq, seq.length - 1, t);
        assertTrue(t.ensureCapacity(seq.length, a));
        c.register(seq, seq.length, t);
        assertEquals(cached, cached - cached % BS);
        return t;
    }

    @Test
    void sharesFullBlocksOfACommonPrefix() {
        BlockAllocator a = new BlockAllocator(16);
        PrefixCache c = new PrefixCache(a, BS);
        int[] system = tokens(100, 8);
        int[] first = concat(system, tokens(1, 5));
        BlockTable t1 = computed(first, a, c);
        assertEquals(0, c.hitTokens());
        assertEquals(3, c.cachedBlocks()); // 13 tokens: 3 full blocks

        int[] second = concat(system, tokens(50, 6));
        BlockTable t2 = new BlockTable(BS);
        assertEquals(8, c.acquire(second, second.length - 1, t2));
        assertEquals(t1.get(0), t2.get(0));
        assertEquals(t1.get(1), t2.get(1));
        assertEquals(2, a.refCount(t1.get(0)));
        assertTrue(t2.ensureCapacity(second.length, a));
        assertNotEquals(t1.get(2), t2.get(2));
        assertEquals(8.0 / (12 + 12), c.hitRate(), 1e-9); // first looked up 12 tokens, second 12
    }

    @Test
    void neverServesTheLastPromptTokenSoItsLogitsGetComputed() {
        BlockAllocator a = new BlockAllocator(8);
        PrefixCache c = new PrefixCache(a, BS);
        int[] p = tokens(0, 8);
        computed(p, a, c).releaseAll(a);
        BlockTable t = new BlockTable(BS);
        assertEquals(4, c.acquire(p, p.length - 1, t));
    }

    @Test
    void aDifferentEarlierTokenMeansNoHitLater() {
        BlockAllocator a = new BlockAllocator(8);
        PrefixCache c = new PrefixCache(a, BS);
        computed(tokens(0, 9), a, c);
        int[] other = tokens(0, 9);
        other[1] = 77; // block 0 differs, block 1 identical tokens but another prefix
        BlockTable t = new BlockTable(BS);
        assertEquals(0, c.acquire(other, 8, t));
        assertEquals(0, t.size());
    }

    @Test
    void equalBlocksAfterDifferentPrefixesAreDifferentBlocks() {
        BlockAllocator a = new BlockAllocator(16);
        PrefixCache c = new PrefixCache(a, BS);
        int[] tail = tokens(40, 4);
        int[] x = concat(concat(tokens(0, 4), tail), new int[] {9});
        int[] y = concat(concat(tokens(20, 4), tail), new int[] {9});
        BlockTable tx = computed(x, a, c);
        BlockTable ty = computed(y, a, c);
        assertNotEquals(tx.get(1), ty.get(1));
        BlockTable again = new BlockTable(BS);
        assertEquals(8, c.acquire(y, 8, again));
        assertEquals(ty.get(0), again.get(0));
        assertEquals(ty.get(1), again.get(1)); // y's own second block, not x's with the same tokens
    }

    @Test
    void unreferencedBlocksStayCachedUntilEvictedLeastRecentlyUsedFirst() {
        BlockAllocator a = new BlockAllocator(4);
        PrefixCache c = new PrefixCache(a, BS);
        int[] x = tokens(0, 8);
        int[] y = tokens(50, 8);
        computed(x, a, c).releaseAll(a);
        computed(y, a, c).releaseAll(a);
        assertEquals(4, a.availableBlocks());
        assertEquals(0, a.usedBlocks());
        assertEquals(4, c.cachedBlocks());

        // a hit revives x's first block; the pool then needs two fresh blocks: the oldest released go first
        BlockTable tx = new BlockTable(BS);
        assertEquals(4, c.acquire(x, 7, tx));
        BlockTable fresh = new BlockTable(BS);
        assertTrue(fresh.ensureCapacity(8, a));
        assertEquals(2, c.evictions());
        // x's tail block went first (released before its head), then y's tail
        BlockTable ty = new BlockTable(BS);
        assertEquals(4, c.acquire(y, 7, ty));
        assertEquals(4, c.acquire(x, 7, new BlockTable(BS)));
    }

    @Test
    void aReusedBlockIdNeverRevivesAnEvictedChain() {
        BlockAllocator a = new BlockAllocator(3);
        PrefixCache c = new PrefixCache(a, BS);
        int[] x = tokens(0, 9); // 2 full blocks + 1
        computed(x, a, c).releaseAll(a);
        // fill the pool with other data: everything of x is evicted
        BlockTable other = new BlockTable(BS);
        assertTrue(other.ensureCapacity(12, a));
        other.releaseAll(a);
        BlockTable t = new BlockTable(BS);
        assertEquals(0, c.acquire(x, 8, t));
        assertEquals(0, c.cachedBlocks());
    }
}
