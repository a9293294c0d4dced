package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ParallelTest {
    @Test
    void coversEveryIndexOnceInContiguousChunks() {
        for (int n : new int[] {1, 2, 7, 100, 1001}) {
            for (int chunks : new int[] {0, 1, 3, 8, 5000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                AtomicLong calls = new AtomicLong();
                Parallel.forRange(n, chunks, (start, end) -> {
                    assertTrue(start < end);
                    calls.incrementAndGet();
                    for (int k = start; k < end; k++) {
                        seen.incrementAndGet(k);
                    }
                });
                for (int k = 0; k < n; k++) {
                    assertEquals(1, seen.get(k), "index " + k + " of " + n + " in " + chunks + " chunks");
                }
                assertEquals(Math.min(Math.max(chunks, 1), n), calls.get());
            }
        }
        Parallel.forRange(0, 4, (start, end) -> {
            throw new AssertionError("empty range must not run");
        });
    }

    @Test
    @Timeout(30)
    void nestedCallsFromWorkersAndManyCallersFinish() throws InterruptedException {
        AtomicLong total = new AtomicLong();
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            Thread caller = new Thread(() -> {
                for (int rep = 0; rep < 20; rep++) {
                    Parallel.forRange(6, 6, (a, b) -> Parallel.forRange(5, 5, (c2, d) -> {
                        Parallel.forRange(4, 4, (e, f) -> total.addAndGet(f - e));
                    }));
                }
            });
            callers.add(caller);
            caller.start();
        }
        for (Thread caller : callers) {
            caller.join();
        }
        assertEquals(4L * 20 * 6 * 5 * 4, total.get());
    }

    @Test
    void workersTakeChunksTheCallerCannot() {
        if (Parallel.threads() < 2) {
            return; // one core: the caller runs every chunk by design
        }
        // The caller's chunk waits for the other chunk to start: only a worker can run it.
        java.util.concurrent.CountDownLatch bothStarted = new java.util.concurrent.CountDownLatch(2);
        ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
        Parallel.forRange(2, 2, (a, b) -> {
            threads.put(Thread.currentThread().getName(), true);
            bothStarted.countDown();
            try {
                assertTrue(bothStarted.await(10, java.util.concurrent.TimeUnit.SECONDS), "no worker took a chunk");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(threads.keySet().stream().anyMatch(name -> name.startsWith("sluice-kernel-")),
                "workers took part: " + threads.keySet());
    }

    @Test
    void aWarmCallAllocatesNothingOnTheCallingThread() {
        // A decode step makes dozens of calls: the pool hands them out through reused records, never new objects.
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long[] sums = new long[64];
        IntRangeBody body = (a, b) -> {
            for (int k = a; k < b; k++) {
                sums[k]++;
            }
        };
        IntRangeBody nesting = (a, b) -> Parallel.forRange(8, 2, body);
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 50 && allocated > 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1000; i++) {
                Parallel.forRange(64, 8, body);
                Parallel.forRange(4, 2, nesting);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertEquals(0, allocated, "bytes allocated by 2000 warm calls");
    }

    @Test
    void rethrowsAChunksFailureAfterAllChunksEnd() {
        AtomicLong finished = new AtomicLong();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(8, 8, (a, b) -> {
            if (a == 3) {
                throw new IllegalStateException("chunk 3 failed");
            }
            finished.incrementAndGet();
        }));
        assertEquals("chunk 3 failed", e.getMessage());
        assertTrue(finished.get() <= 7);
        // The pool still works afterwards.
        AtomicLong sum = new AtomicLong();
        Parallel.forRange(100, 4, (a, b) -> sum.addAndGet(b - a));
        assertEquals(100, sum.get());
    }
}
