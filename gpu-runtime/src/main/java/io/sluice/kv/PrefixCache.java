package io.sluice.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Shares full KV blocks between sequences with the same prefix. A block is identified by a chained hash of
 * the whole prefix up to and including it (the parent block's hash, then the block's tokens), so equal
 * hashes mean equal positions and equal tokens before them: equal K/V. Every hit is verified exactly
 * (the block's own tokens and its parent block), so a hash collision can never serve wrong K/V.
 *
 * <p>Cached blocks are refcounted by the {@link BlockAllocator}; those no sequence references stay cached
 * and are evicted least recently used first when the pool needs space. Not thread-safe.
 */
public final class PrefixCache {

    private static final long ROOT = 0x5151_CE00_0000_0001L;

    /**
     * A cached block. Blocks are reused after eviction, so the parent is named by id and generation:
     * a child of an evicted block can then never match a new prefix that got the same block id.
     */
    private record Entry(long hash, int block, long generation, int parentBlock, long parentGeneration, int[] tokens) {
    }

    private final BlockAllocator allocator;
    private final int blockSize;
    private final Map<Long, Entry> byHash = new HashMap<>();
    private final Entry[] byBlock;
    private long nextGeneration = 1;
    /** Cached blocks with no references, least recently released first. */
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();

    private long queriedTokens;
    private long hitTokens;
    private long evictions;

    public PrefixCache(BlockAllocator allocator, int blockSize) {
        this.allocator = allocator;
        this.blockSize = blockSize;
        this.byBlock = new Entry[allocator.totalBlocks()];
        allocator.attach(this);
    }

    /**
     * Finds the longest run of cached full blocks at the start of {@code tokens[0 .. maxTokens)}, takes a
     * reference on each and appends them (with their hashes) to the empty {@code table}. Returns the
     * number of tokens served from the cache (a multiple of the block size).
     */
    public int acquire(int[] tokens, int maxTokens, BlockTable table) {
        if (table.size() != 0) {
            throw new IllegalStateException("prefix lookup needs an empty block table");
        }
        int full = Math.min(maxTokens, tokens.length) / blockSize;
        queriedTokens += (long) full * blockSize;
        long parentHash = ROOT;
        int parentBlock = -1;
        long parentGeneration = 0;
        int matched = 0;
        for (int i = 0; i < full; i++) {
            long h = chain(parentHash, tokens, i * blockSize);
            Entry e = byHash.get(h);
            if (e == null || e.parentBlock != parentBlock || e.parentGeneration != parentGeneration
                    || !Arrays.equals(e.tokens, 0, blockSize, tokens, i * blockSize, (i + 1) * blockSize)) {
                break;
            }
            if (allocator.refCount(e.block) == 0) {
                evictable.remove(e.block);
            }
            allocator.retain(e.block);
            table.add(e.block);
            table.addHash(h);
            parentHash = h;
            parentBlock = e.block;
            parentGeneration = e.generation;
            matched++;
        }
        hitTokens += (long) matched * blockSize;
        return matched * blockSize;
    }

    /**
     * Registers the table's full blocks holding computed K/V of {@code tokens[0 .. computedTokens)} that
     * are not registered yet. A prefix already cached under another block keeps that block; this one
     * then stays private to its sequence.
     */
    public void register(int[] tokens, int computedTokens, BlockTable table) {
        int full = Math.min(computedTokens, tokens.length) / blockSize;
        full = Math.min(full, table.size());
        for (int i = table.hashedBlocks(); i < full; i++) {
            long parentHash = i == 0 ? ROOT : table.hash(i - 1);
            long h = chain(parentHash, tokens, i * blockSize);
            int block = table.get(i);
            table.addHash(h);
            if (byHash.containsKey(h) || byBlock[block] != null) {
                continue;
            }
            // The parent is the cached block of the same prefix, which may be another sequence's block.
            Entry parent = i == 0 ? null : byHash.get(parentHash);
            if (i > 0 && (parent == null || !Arrays.equals(parent.tokens, 0, blockSize,
                    tokens, (i - 1) * blockSize, i * blockSize))) {
                continue; // the prefix before it is not cached: a lookup could never reach this block
            }
            Entry e = new Entry(h, block, nextGeneration++, parent == null ? -1 : parent.block,
                    parent == null ? 0 : parent.generation,
                    Arrays.copyOfRange(tokens, i * blockSize, (i + 1) * blockSize));
            byHash.put(h, e);
            byBlock[block] = e;
        }
    }

    boolean isCached(int block) {
        return byBlock[block] != null;
    }

    void markEvictable(int block) {
        evictable.add(block);
    }

    int evictableBlocks() {
        return evictable.size();
    }

    /** Forgets the least recently released unreferenced block and returns its id, or -1 if there is none. */
    int evictLeastRecentlyUsed() {
        Iterator<Integer> it = evictable.iterator();
        if (!it.hasNext()) {
            return -1;
        }
        int block = it.next();
        it.remove();
        Entry e = byBlock[block];
        byBlock[block] = null;
        byHash.remove(e.hash);
        evictions++;
        return block;
    }

    /** Cached blocks (referenced or not). */
    public int cachedBlocks() {
        return byHash.size();
    }

    public long queriedTokens() {
        return queriedTokens;
    }

    public long hitTokens() {
        return hitTokens;
    }

    public long evictions() {
        return evictions;
    }

    /** Fraction of looked-up prompt tokens served from the cache (0 before any lookup). */
    public double hitRate() {
        return queriedTokens == 0 ? 0.0 : (double) hitTokens / queriedTokens;
    }

    private long chain(long parent, int[] tokens, int from) {
        long h = parent * 0x9E3779B97F4A7C15L + blockSize;
        for (int i = from; i < from + blockSize; i++) {
            h = mix(h ^ (tokens[i] & 0xffffffffL));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
