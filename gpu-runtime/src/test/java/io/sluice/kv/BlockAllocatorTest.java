package io.sluice.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BlockAllocatorTest {

    @Test
    void handsOutEveryBlockOnceThenFails() {
        BlockAllocator a = new BlockAllocator(4);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            int b = a.allocate();
            assertTrue(b >= 0 && b < 4);
            assertTrue(seen.add(b));
            assertEquals(1, a.refCount(b));
        }
        assertEquals(-1, a.allocate());
        assertEquals(4, a.usedBlocks());
        assertEquals(0, a.availableBlocks());
    }

    @Test
    void refCountsKeepSharedBlocksUntilTheLastRelease() {
        BlockAllocator a = new BlockAllocator(1);
        int b = a.allocate();
        a.retain(b);
        a.release(b);
        assertEquals(-1, a.allocate());
        a.release(b);
        assertEquals(b, a.allocate());
        a.release(b);
        assertThrows(IllegalStateException.class, () -> a.release(b));
        assertThrows(IllegalArgumentException.class, () -> a.release(7));
    }

    @Test
    void blockTableGrowsAllOrNothing() {
        BlockAllocator a = new BlockAllocator(3);
        BlockTable t = new BlockTable(16);
        assertTrue(t.ensureCapacity(17, a));
        assertEquals(2, t.size());
        assertEquals(32, t.capacity());
        assertTrue(t.ensureCapacity(32, a));
        assertEquals(2, t.size());
        BlockTable u = new BlockTable(16);
        assertFalse(u.ensureCapacity(40, a)); // needs 3, only 1 left
        assertEquals(0, u.size());
        assertEquals(1, a.availableBlocks());
        int[] ids = t.toArray();
        t.releaseAll(a);
        assertEquals(0, t.size());
        assertEquals(3, a.availableBlocks());
        assertEquals(2, ids.length);
        assertArrayEquals(new int[] {1, 2, 2, 2}, new int[] {BlockTable.blocksFor(1, 16),
                BlockTable.blocksFor(17, 16), BlockTable.blocksFor(32, 16), BlockTable.blocksFor(20, 10)});
    }
}
