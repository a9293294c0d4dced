package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Loading one model holds no lock that other models' acquire or release need (a factory that blocks on a latch). */
class SharedEnginesLoadingTest {
    private static final long WAIT_S = 10;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final CountDownLatch loading = new CountDownLatch(1);
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private SharedEngines.EngineFactory previous;

    @BeforeEach
    void blockingFactory() {
        previous = SharedEngines.useFactory(config -> {
            String model = config.modelPath().getFileName().toString();
            loads.computeIfAbsent(model, m -> new AtomicInteger()).incrementAndGet();
            CountDownLatch gate = gates.get(model);
            if (gate != null) {
                loading.countDown();
                await(gate);
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new EngineException(EngineException.Code.INTERNAL, "cannot load " + model);
            }
            return LlamaEngineTestFakes.fixedEngine();
        });
    }

    @AfterEach
    void restore() {
        gates.values().forEach(CountDownLatch::countDown);
        threads.shutdownNow();
        SharedEngines.useFactory(previous);
    }

    private static EngineConfig model(String name) {
        return EngineConfig.builder(Path.of("target", "shared-engines-loading", name)).build();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(WAIT_S, TimeUnit.SECONDS), "latch never released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void loadingOneModelBlocksNeitherAcquireNorReleaseOfAnother() throws Exception {
        gates.put("a.gguf", new CountDownLatch(1));
        EngineHandle b = SharedEngines.acquire(model("b.gguf"));
        Future<EngineHandle> a1 = threads.submit(() -> SharedEngines.acquire(model("a.gguf")));
        await(loading);

        // While A loads: B's release and a fresh acquire of another model C go through at once.
        threads.submit(b::close).get(WAIT_S, TimeUnit.SECONDS);
        EngineHandle c = threads.submit(() -> SharedEngines.acquire(model("c.gguf"))).get(WAIT_S, TimeUnit.SECONDS);
        c.close();

        // A second acquirer of A waits for the one load instead of starting another.
        Future<EngineHandle> a2 = threads.submit(() -> SharedEngines.acquire(model("a.gguf")));
        assertThrows(TimeoutException.class, () -> a2.get(200, TimeUnit.MILLISECONDS));
        assertFalse(a1.isDone());

        gates.get("a.gguf").countDown();
        EngineHandle first = a1.get(WAIT_S, TimeUnit.SECONDS);
        EngineHandle second = a2.get(WAIT_S, TimeUnit.SECONDS);
        assertSame(first.engine(), second.engine());
        assertEquals(1, loads.get("a.gguf").get());
        first.close();
        second.close();
    }

    @Test
    void aFailedLoadFailsEveryWaiterAndIsRetriedByTheNextAcquire() throws Exception {
        int before = SharedEngines.liveEngines();
        gates.put("d.gguf", new CountDownLatch(1));
        failuresLeft.set(1);
        Future<EngineHandle> loader = threads.submit(() -> SharedEngines.acquire(model("d.gguf")));
        await(loading);
        Future<EngineHandle> waiter = threads.submit(() -> SharedEngines.acquire(model("d.gguf")));
        assertThrows(TimeoutException.class, () -> waiter.get(200, TimeUnit.MILLISECONDS));
        gates.get("d.gguf").countDown();

        for (Future<EngineHandle> f : java.util.List.of(loader, waiter)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT_S, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof EngineException, e.getCause().toString());
        }
        assertEquals(before, SharedEngines.liveEngines());
        assertEquals(1, loads.get("d.gguf").get());

        try (EngineHandle retried = SharedEngines.acquire(model("d.gguf"))) {
            assertEquals(2, loads.get("d.gguf").get());
            assertEquals("fake", retried.engine().device());
        }
        assertEquals(before, SharedEngines.liveEngines());
    }

    @Test
    void anAcquirerInterruptedWhileWaitingGivesItsReferenceBack() throws Exception {
        gates.put("e.gguf", new CountDownLatch(1));
        Future<EngineHandle> loader = threads.submit(() -> SharedEngines.acquire(model("e.gguf")));
        await(loading);
        java.util.concurrent.atomic.AtomicReference<Throwable> waiterSaw = new java.util.concurrent.atomic.AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                SharedEngines.acquire(model("e.gguf")).close();
            } catch (Throwable t) {
                waiterSaw.set(t);
            }
        });
        waiter.start();
        waiter.join(200);
        assertTrue(waiter.isAlive(), "the second acquirer waits for the load");
        waiter.interrupt();
        waiter.join(WAIT_S * 1000);
        assertFalse(waiter.isAlive());
        assertTrue(waiterSaw.get() instanceof IllegalStateException, String.valueOf(waiterSaw.get()));

        gates.get("e.gguf").countDown();
        EngineHandle handle = loader.get(WAIT_S, TimeUnit.SECONDS);
        int before = SharedEngines.liveEngines();
        handle.close();
        // the interrupted waiter's reference did not keep the engine alive
        assertEquals(before - 1, SharedEngines.liveEngines());
    }
}
