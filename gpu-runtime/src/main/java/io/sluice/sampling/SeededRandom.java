package io.sluice.sampling;

/**
 * A small, fully specified random generator (SplitMix64) owned by one sequence. Written out here rather
 * than taken from the JDK so that a seed gives the same numbers on every JVM version: replayed requests
 * must sample the same tokens after a failover, possibly on another machine.
 */
public final class SeededRandom {

    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        return mix(state += GAMMA);
    }

    /**
     * The {@code index}-th number (from 0) of the stream a generator seeded with {@code seed} produces,
     * without producing the ones before it: SplitMix64 is a counter hashed, so a sample can be a function
     * of (seed, position) and not of how many steps came before it.
     */
    public static long at(long seed, long index) {
        return mix(seed + (index + 1) * GAMMA);
    }

    /** As {@link #at(long, long)}, a uniform double in [0, 1). */
    public static double doubleAt(long seed, long index) {
        return (at(seed, index) >>> 11) * 0x1.0p-53;
    }

    /** The seed of an independent stream derived from {@code seed} (for draws other than the main sample). */
    public static long substream(long seed, long stream) {
        return mix(seed ^ mix(stream * GAMMA + 0x5EED));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniform double in [0, 1), from the top 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
