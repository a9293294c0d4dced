package io.sluice.bench;

import io.sluice.tensor.Parallel;
import java.util.Locale;

/**
 * The cost of one {@link Parallel#forRange} hand-off: calls over a tiny range split into one chunk per thread,
 * back to back (as the products of a small model's decode step come), and the same with a pause of
 * {@code GAP_US} microseconds of the caller's own work between calls (a step's sampling and scheduling). Prints
 * the best mean time per call over windows of 1000 calls. Usage: ParallelBench [SECONDS] [GAP_US].
 */
public final class ParallelBench {
    private static volatile long sink;

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        long gapNanos = (long) ((args.length > 1 ? Double.parseDouble(args[1]) : 0) * 1000);
        int threads = Parallel.threads();
        long[] work = new long[threads * 16];
        double best = Double.MAX_VALUE;
        long[] calls = new long[1000];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            long paused = 0;
            for (int i = 0; i < 1000; i++) {
                long c0 = System.nanoTime();
                Parallel.forRange(threads, threads, (a, b) -> {
                    for (int k = a; k < b; k++) {
                        work[k * 16]++;
                    }
                });
                calls[i] = System.nanoTime() - c0;
                if (gapNanos > 0) {
                    long g0 = System.nanoTime();
                    while (System.nanoTime() - g0 < gapNanos) {
                        sink++;
                    }
                    paused += System.nanoTime() - g0;
                }
            }
            best = Math.min(best, (System.nanoTime() - t0 - paused) / 1000.0);
        }
        java.util.Arrays.sort(calls);
        System.out.printf(Locale.ROOT, "last window: p50 %d ns, p90 %d, p99 %d, max %d%n", calls[500], calls[900],
                calls[990], calls[999]);
        System.out.printf(Locale.ROOT, "%d threads, gap %d us: best mean forRange call %.0f ns%n", threads,
                gapNanos / 1000, best);
    }
}
