package io.sluice.kv;

import java.util.Arrays;

/**
 * One sequence's KV blocks in position order: position p lives in block {@code get(p / blockSize)}, slot
 * {@code p % blockSize}. The table holds one reference on each of its blocks.
 */
public final class BlockTable {

    private final int blockSize;
    private int[] blocks = new int[4];
    private int size;
    /** Prefix hashes of the first {@code hashed} blocks (full blocks registered with or found in the cache). */
    private long[] hashes = new long[4];
    private int hashed;

    public BlockTable(int blockSize) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("block size must be > 0, got " + blockSize);
        }
        this.blockSize = blockSize;
    }

    public int blockSize() {
        return blockSize;
    }

    public int size() {
        return size;
    }

    public int get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("block " + index + " of " + size);
        }
        return blocks[index];
    }

    /** How many positions the table's blocks can hold. */
    public int capacity() {
        return size * blockSize;
    }

    public void add(int block) {
        if (size == blocks.length) {
            blocks = Arrays.copyOf(blocks, size * 2);
        }
        blocks[size++] = block;
    }

    /** The block ids as an array (a copy the model may keep for one forward pass). */
    public int[] toArray() {
        return Arrays.copyOf(blocks, size);
    }

    /** Blocks needed to hold {@code tokens} positions. */
    public static int blocksFor(int tokens, int blockSize) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /**
     * Grows the table to hold {@code tokens} positions, allocating from the pool. All or nothing: on
     * failure the blocks taken so far are released again and false is returned.
     */
    public boolean ensureCapacity(int tokens, BlockAllocator allocator) {
        int needed = blocksFor(tokens, blockSize) - size;
        int start = size;
        for (int i = 0; i < needed; i++) {
            int b = allocator.allocate();
            if (b < 0) {
                while (size > start) {
                    allocator.release(blocks[--size]);
                }
                return false;
            }
            add(b);
        }
        return true;
    }

    /**
     * Releases every block (one reference each) and empties the table. The last block goes first, so
     * that a cached prefix's tail becomes evictable before its head (a head evicted first would strand
     * the tail: lookups walk from the start).
     */
    public void releaseAll(BlockAllocator allocator) {
        for (int i = size - 1; i >= 0; i--) {
            allocator.release(blocks[i]);
        }
        size = 0;
        hashed = 0;
    }

    /**
     * Keeps the first {@code blocks} blocks and releases the rest (last first, as {@link #releaseAll}): the
     * rollback of speculative positions that were not accepted, or of lookahead that went unused.
     */
    public void truncate(int blocks, BlockAllocator allocator) {
        if (blocks < 0) {
            throw new IllegalArgumentException("negative block count " + blocks);
        }
        for (int i = size - 1; i >= blocks; i--) {
            allocator.release(this.blocks[i]);
        }
        size = Math.min(size, blocks);
        hashed = Math.min(hashed, size);
    }

    /** How many leading blocks have a known prefix hash. */
    public int hashedBlocks() {
        return hashed;
    }

    /** The prefix hash of block {@code index} (< {@link #hashedBlocks()}). */
    public long hash(int index) {
        if (index < 0 || index >= hashed) {
            throw new IndexOutOfBoundsException("hash of block " + index + " of " + hashed);
        }
        return hashes[index];
    }

    void addHash(long hash) {
        if (hashed == hashes.length) {
            hashes = Arrays.copyOf(hashes, hashed * 2);
        }
        hashes[hashed++] = hash;
    }
}
