package io.sluice.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits kernels over the cores: one daemon worker per available processor but one, since the calling thread
 * works too. The chunks of a call fall into one contiguous group per thread, the caller's first: each thread
 * runs its own group, so that the same weight rows meet the same core's cache step after step, and then claims
 * what is left of the others' groups. The caller waits only for chunks that other threads are already running, so calls may nest (a chunk may itself call {@link #forRange}) and may come from any thread,
 * including the workers, without deadlock; a worker that is not scheduled in time delays nothing but its own
 * chunk. Workers spin for up to 0.1 ms after their last chunk before they park, so that the dozens of short products
 * of one decoding step, and the steps that follow each other, do not each pay a thread wake-up. A call allocates
 * nothing: each thread reuses its own call records (one per nesting level), published to the workers through a
 * fixed table of slots.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /**
     * How long an idle worker keeps looking for work before it parks: longer than the engine's own work between
     * two products or two steps (microseconds), far shorter than a wake-up is worth (~15 us on a 2-vCPU VM).
     */
    private static final long SPIN_NANOS = 100_000;
    /**
     * How long a caller spins for chunks that others still run before it parks: as long as one of its own chunks
     * took (the chunk in flight elsewhere is as large, so it ends within that unless its thread was descheduled),
     * within these bounds. Parking costs more than the wait it saves: the thread that finishes the last chunk
     * pays the unpark, and waking the parked caller's idle (on a VM: halted) core takes tens of microseconds;
     * a fixed 50 us made the caller park at the end of a decode step's larger products (the 32000-row output
     * projection's chunks take ~0.3 ms), where JFR showed the worker in {@code LockSupport.unpark}.
     */
    private static final long WAIT_SPIN_MIN_NANOS = 50_000;
    private static final long WAIT_SPIN_MAX_NANOS = 2_000_000;
    /** Calls published at once; a call finding no free slot runs all its chunks itself. */
    private static final int SLOTS = 64;

    private static final ThreadLocal<Call> CALLS = ThreadLocal.withInitial(Call::new);

    private Parallel() {
    }

    /** The number of threads that work on a range: the calling thread and the pool's workers. */
    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into {@code chunks} contiguous ranges of nearly equal size
     * (chunk c is {@code [n * c / chunks, n * (c + 1) / chunks)}), in parallel, and returns when all are
     * done. The first exception a chunk throws is rethrown here, after the other chunks have finished.
     */
    public static void forRange(int n, int chunks, IntRangeBody body) {
        if (n <= 0) {
            return;
        }
        int parts = Math.min(Math.max(chunks, 1), n);
        if (parts == 1 || THREADS == 1) {
            body.run(0, n);
            return;
        }
        Call call = CALLS.get().free();
        call.busy = true;
        try {
            call.run(n, parts, body);
        } finally {
            call.busy = false;
        }
    }

    /**
     * One thread's call at one nesting level, reused by its later calls. The chunks fall into one contiguous
     * group per thread (the caller's first, then one per worker): each thread runs its own group front to back
     * and then helps with the others', so that while every thread keeps up, the same rows of a weight go to the
     * same core step after step (its cache keeps them) and no chunk changes hands. Each group's generation and
     * next chunk share one atomic long, so that a worker still holding the record from an earlier call can never
     * claim a chunk of it: its claim names the old generation and fails.
     */
    private static final class Call {
        /** The next-chunk half of a cursor while the fields change: more than any chunk count. */
        private static final long CLOSED = Integer.MAX_VALUE;
        private final Thread owner = Thread.currentThread();
        /** The group this thread runs first: 0 for any caller, 1 + its index for a worker. */
        private final int home = Workers.homeOf(owner);
        /** Per group: (generation << 32) | next chunk. */
        private final AtomicLongArray cursors = new AtomicLongArray(THREADS);
        private final AtomicInteger pending = new AtomicInteger();
        private long generation;
        private int n;
        private int chunks;
        private int groups = 1;
        private IntRangeBody body;
        private volatile Throwable failure;
        private volatile boolean ownerParked;
        private boolean busy;
        /** The record of a call made from inside one of this call's chunks on the same thread. */
        private Call nested;

        /** This record when idle, else the first idle one of the levels below it (created on first use). */
        Call free() {
            Call c = this;
            while (c.busy) {
                if (c.nested == null) {
                    c.nested = new Call();
                }
                c = c.nested;
            }
            return c;
        }

        void run(int n, int chunks, IntRangeBody body) {
            long gen = ++generation;
            // closed first: a worker's claim on the last call fails from here on, before the fields change
            for (int g = 0; g < THREADS; g++) {
                cursors.set(g, gen << 32 | CLOSED);
            }
            this.n = n;
            this.chunks = chunks;
            this.groups = Math.min(THREADS, chunks);
            this.body = body;
            this.failure = null;
            pending.set(chunks);
            // opens the call, publishing the fields above to whoever claims a chunk
            for (int g = 0; g < groups; g++) {
                cursors.set(g, gen << 32 | groupStart(g));
            }
            int slot = Workers.publish(this, chunks - 1);
            try {
                long start = System.nanoTime();
                int ran = runAll(gen, home);
                long perChunk = ran == 0 ? 0 : (System.nanoTime() - start) / ran;
                awaitChunks(Math.min(WAIT_SPIN_MAX_NANOS, Math.max(WAIT_SPIN_MIN_NANOS, perChunk)));
            } finally {
                Workers.retract(slot);
                this.body = null;
            }
            Throwable t = failure;
            if (t != null) {
                failure = null;
                if (t instanceof RuntimeException e) {
                    throw e;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(t);
            }
        }

        private int groupStart(int g) {
            return (int) ((long) chunks * g / groups);
        }

        /** The current generation when a chunk of it is still unclaimed, else -1 (a hint: claims check again). */
        long claimable() {
            int gs = groups;
            for (int g = 0; g < gs && g < THREADS; g++) {
                long c = cursors.get(g);
                if ((int) c < groupStart(g + 1)) {
                    return c >>> 32;
                }
            }
            return -1;
        }

        /**
         * Runs chunks of {@code gen}: those of group {@code thread % groups} first, then what is left of the
         * others'; returns how many it ran (0 when none was left or the call is over).
         */
        int runAll(long gen, int thread) {
            int gs = groups;
            int ran = 0;
            for (int i = 0; i < gs; i++) {
                int g = (thread + i) % gs;
                while (claimAndRun(gen, g)) {
                    ran++;
                }
            }
            return ran;
        }

        /** Claims and runs the next chunk of group {@code g} of {@code gen}; false when none is left there. */
        private boolean claimAndRun(long gen, int g) {
            while (true) {
                long c = cursors.get(g);
                int next = (int) c;
                if (c >>> 32 != gen || next >= groupStart(g + 1)) {
                    return false;
                }
                if (cursors.compareAndSet(g, c, c + 1)) {
                    runChunk(next);
                    return true;
                }
            }
        }

        private void runChunk(int c) {
            try {
                if (failure == null) {
                    body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                }
            } catch (Throwable t) {
                synchronized (this) {
                    if (failure == null) {
                        failure = t;
                    }
                }
            } finally {
                if (pending.decrementAndGet() == 0 && ownerParked) {
                    LockSupport.unpark(owner);
                }
            }
        }

        private void awaitChunks(long spinNanos) {
            long spinUntil = System.nanoTime() + spinNanos;
            while (pending.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    ownerParked = true;
                    if (pending.get() > 0) {
                        LockSupport.park(this);
                    }
                    ownerParked = false;
                }
            }
        }
    }

    /** The worker threads and the table through which calls reach them; started on first use. */
    private static final class Workers {
        private static final int COUNT = THREADS - 1;
        private static final AtomicReferenceArray<Call> PUBLISHED = new AtomicReferenceArray<>(SLOTS);
        /** Bumped on every publication: an idle worker rescans the table only when it changes. */
        private static final AtomicLong EPOCH = new AtomicLong();
        private static final Thread[] THREADS_OF = new Thread[COUNT];
        private static final AtomicInteger[] PARKED = new AtomicInteger[COUNT];

        static {
            for (int w = 0; w < COUNT; w++) {
                PARKED[w] = new AtomicInteger();
                int index = w;
                Thread worker = new Thread(() -> work(index), "sluice-kernel-" + w);
                worker.setDaemon(true);
                THREADS_OF[w] = worker;
                worker.start();
            }
        }

        /** Makes the call visible to the workers, waking up to {@code helpers} parked ones; returns its slot or -1. */
        static int publish(Call call, int helpers) {
            int slot = -1;
            for (int i = 0; i < SLOTS; i++) {
                if (PUBLISHED.get(i) == null && PUBLISHED.compareAndSet(i, null, call)) {
                    slot = i;
                    break;
                }
            }
            if (slot < 0) {
                return -1; // the table is full: the caller runs every chunk
            }
            EPOCH.incrementAndGet();
            for (int w = 0; w < COUNT && helpers > 0; w++) {
                if (PARKED[w].get() != 0) {
                    LockSupport.unpark(THREADS_OF[w]);
                    helpers--;
                }
            }
            return slot;
        }

        /** 1 + the index of {@code t} among the workers, or 0 for any other thread. */
        static int homeOf(Thread t) {
            for (int w = 0; w < COUNT; w++) {
                if (THREADS_OF[w] == t) {
                    return w + 1;
                }
            }
            return 0;
        }

        static void retract(int slot) {
            if (slot >= 0) {
                PUBLISHED.set(slot, null);
            }
        }

        private static void work(int index) {
            AtomicInteger parked = PARKED[index];
            while (true) {
                try {
                    long seen = EPOCH.get();
                    if (helpOnce(index + 1)) {
                        continue;
                    }
                    long spinUntil = System.nanoTime() + SPIN_NANOS;
                    while (EPOCH.get() == seen && System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    }
                    if (EPOCH.get() == seen) {
                        parked.set(1);
                        // a call published after this flag was set unparks us; one published before it is seen here
                        if (EPOCH.get() == seen && !anyClaimable()) {
                            LockSupport.park(Workers.class);
                        }
                        parked.set(0);
                    }
                } catch (Throwable t) {
                    // a chunk's failure is recorded by its call; nothing may end a worker
                }
            }
        }

        /** Runs chunks of the first published call that has some left; false when none had. */
        private static boolean helpOnce(int home) {
            for (int i = 0; i < SLOTS; i++) {
                Call call = PUBLISHED.get(i);
                if (call != null) {
                    long generation = call.claimable();
                    if (generation >= 0 && call.runAll(generation, home) > 0) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static boolean anyClaimable() {
            for (int i = 0; i < SLOTS; i++) {
                Call call = PUBLISHED.get(i);
                if (call != null && call.claimable() >= 0) {
                    return true;
                }
            }
            return false;
        }
    }
}
