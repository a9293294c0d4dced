package io.sluice.kv;

import java.util.List;

/**
 * The KV cache of a model whose layers are split across devices: one storage per device for the layers that
 * device runs, all with the same blocks, so that one block table addresses every part and the block manager
 * above sees one cache. Part {@code i} holds layers {@code [first(i), first(i) + part(i).layers())}.
 */
public final class SplitKvCache extends KvCacheStorage {
    private final List<KvCacheStorage> parts;

    /**
     * Joins {@code parts}, in layer order; they must agree on blocks, block size, width and type. Closing the
     * joined cache closes every part.
     */
    public SplitKvCache(List<KvCacheStorage> parts) {
        super(first(parts).numBlocks(), first(parts).blockSize(), totalLayers(parts), first(parts).kvDim());
        for (KvCacheStorage p : parts) {
            if (p.numBlocks() != numBlocks || p.blockSize() != blockSize || p.kvDim() != kvDim
                    || p.type() != first(parts).type() || p instanceof SplitKvCache) {
                throw new IllegalArgumentException("the parts of a split KV cache must have the same blocks, width"
                        + " and type");
            }
        }
        this.parts = List.copyOf(parts);
    }

    private static KvCacheStorage first(List<KvCacheStorage> parts) {
        if (parts == null || parts.isEmpty()) {
            throw new IllegalArgumentException("a split KV cache needs at least one part");
        }
        return parts.get(0);
    }

    private static int totalLayers(List<KvCacheStorage> parts) {
        return parts.stream().mapToInt(KvCacheStorage::layers).sum();
    }

    /** How many devices hold a part. */
    public int partCount() {
        return parts.size();
    }

    /** The part of device {@code i} (in layer order). */
    public KvCacheStorage part(int i) {
        return parts.get(i);
    }

    @Override
    public KvType type() {
        return parts.get(0).type();
    }

    @Override
    public long bytes() {
        return parts.stream().mapToLong(KvCacheStorage::bytes).sum();
    }

    @Override
    protected void free() {
        parts.forEach(KvCacheStorage::close);
    }
}
