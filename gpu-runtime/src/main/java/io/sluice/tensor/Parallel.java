package io.sluice.tensor;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of daemon worker threads, one per available processor, for splitting kernels over cores.
 * The calling thread works too: it claims chunks like the workers do and waits only for chunks that other
 * threads are already running, so calls may nest (a chunk may itself call {@link #forRange}) and may come
 * from any thread, including the workers, without deadlock. Workers spin briefly before sleeping, so that
 * the many short products of one decoding step do not each pay a thread wake-up.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final long SPIN_NANOS = 50_000;

    private Parallel() {
    }

    /** The number of threads that work on a range: the pool's size. */
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
        Job job = new Job(n, parts, body, Thread.currentThread());
        int helpers = Math.min(parts - 1, THREADS - 1);
        for (int h = 0; h < helpers; h++) {
            Pool.QUEUE.add(job);
        }
        while (job.runOne()) {
            // The caller works until no chunk is left to claim.
        }
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (job.pending.get() > 0) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(job);
            }
        }
        Throwable failure = job.failure;
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** One forRange call: chunks are claimed in order from a shared counter. */
    private static final class Job implements Runnable {
        private final int n;
        private final int chunks;
        private final IntRangeBody body;
        private final Thread owner;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger pending;
        private volatile Throwable failure;

        Job(int n, int chunks, IntRangeBody body, Thread owner) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
            this.owner = owner;
            this.pending = new AtomicInteger(chunks);
        }

        /** Helpers queued to the pool run chunks until none is left (possibly none at all). */
        @Override
        public void run() {
            while (runOne()) {
                // Keep claiming.
            }
        }

        boolean runOne() {
            int c = next.getAndIncrement();
            if (c >= chunks) {
                return false;
            }
            try {
                if (failure == null) {
                    body.run(start(c), start(c + 1));
                }
            } catch (Throwable t) {
                synchronized (this) {
                    if (failure == null) {
                        failure = t;
                    }
                }
            } finally {
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(owner);
                }
            }
            return true;
        }

        private int start(int c) {
            return (int) ((long) n * c / chunks);
        }
    }

    /** The worker threads, started on first use. */
    private static final class Pool {
        static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();

        static {
            for (int t = 0; t < THREADS; t++) {
                Thread worker = new Thread(Pool::work, "sluice-kernel-" + t);
                worker.setDaemon(true);
                worker.start();
            }
        }

        private static void work() {
            while (true) {
                try {
                    Runnable task = QUEUE.poll();
                    if (task == null) {
                        long spinUntil = System.nanoTime() + SPIN_NANOS;
                        while (QUEUE.isEmpty() && System.nanoTime() < spinUntil) {
                            Thread.onSpinWait();
                        }
                        task = QUEUE.poll();
                        if (task == null) {
                            task = QUEUE.take();
                        }
                    }
                    task.run();
                } catch (InterruptedException e) {
                    // Daemon workers live as long as the JVM; an interrupt is not a reason to stop.
                }
            }
        }
    }
}
