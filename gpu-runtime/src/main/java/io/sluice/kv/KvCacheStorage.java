package io.sluice.kv;

/**
 * The physical key/value memory of a paged KV cache: {@code numBlocks} blocks of {@code blockSize} token
 * slots, each slot holding one token's keys and values for every layer. Slot {@code s} of block {@code b} is
 * global slot {@code b * blockSize + s}. Which sequence owns which block is the block manager's business;
 * this class holds only the geometry, which is the same on every backend. Where the bytes live is the backend's
 * business: {@link HostKvCacheStorage} keeps them in Java arrays for the CPU; a device backend subclasses this
 * class with device memory; {@link SplitKvCache} puts the layers of a model split across devices on each.
 * Closing frees the memory (the engine that allocated the cache closes it); a closed cache refuses use.
 */
public abstract class KvCacheStorage implements AutoCloseable {

    protected final int numBlocks;
    protected final int blockSize;
    protected final int layers;
    protected final int kvDim;
    private volatile boolean closed;
    private Runnable onClose = () -> { };

    protected KvCacheStorage(int numBlocks, int blockSize, int layers, int kvDim) {
        if (numBlocks <= 0 || blockSize <= 0 || layers <= 0 || kvDim <= 0) {
            throw new IllegalArgumentException("KV cache dimensions must be positive");
        }
        if ((long) numBlocks * blockSize * kvDim > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks is too large for one layer array;"
                    + " lower the KV memory budget");
        }
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.layers = layers;
        this.kvDim = kvDim;
    }

    /** Host storage of {@code type}. */
    public static HostKvCacheStorage allocate(int numBlocks, int blockSize, int layers, int kvDim, KvType type) {
        return switch (type) {
            case F32 -> new F32KvCacheStorage(numBlocks, blockSize, layers, kvDim);
            case F16 -> new F16KvCacheStorage(numBlocks, blockSize, layers, kvDim);
            case Q8 -> new Q8KvCacheStorage(numBlocks, blockSize, layers, kvDim);
        };
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    public int layers() {
        return layers;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Total bytes held. */
    public long bytes() {
        return (long) numBlocks * blockSize * type().bytesPerToken(layers, kvDim);
    }

    /** How keys and values are stored. */
    public abstract KvType type();

    /** Whether keys and values are stored in 8-bit blocks. */
    public final boolean isQuantized() {
        return type() == KvType.Q8;
    }

    /**
     * Runs {@code action} once when this cache is closed, after its memory is freed (the allocating backend's
     * accounting); replaces an earlier one.
     */
    public final void onClose(Runnable action) {
        this.onClose = action;
    }

    /** Frees the memory; idempotent. Afterwards {@link #checkOpen} refuses use. */
    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        free();
        onClose.run();
    }

    /** Frees what this storage holds (arrays for the GC, device memory); called once, by {@link #close}. */
    protected abstract void free();

    public boolean isClosed() {
        return closed;
    }

    /** @throws IllegalStateException when this cache is closed */
    public final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the KV cache is closed (its engine was closed)");
        }
    }

    protected final void checkSlot(int slot) {
        if (slot < 0 || slot >= numBlocks * blockSize) {
            throw new IndexOutOfBoundsException("KV slot " + slot + " outside the pool of " + numBlocks * blockSize);
        }
    }
}
