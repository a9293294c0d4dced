package io.sluice.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.InferenceEngine;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Closing a slot: requests still in the shared engine are cancelled, and the lease goes back whatever happens. */
class SlotEngineCloseTest {

    private static SlotEngine open(FakeEngine engine, AtomicBoolean released) throws Exception {
        EngineProvider provider = device -> new EngineLease() {
            @Override
            public InferenceEngine engine() {
                return engine;
            }

            @Override
            public void close() {
                released.set(true);
            }
        };
        return SlotEngine.open(provider, List.of(), 0, "test");
    }

    @Test
    void cancelsTheSlotsRequestsThenGivesTheLeaseBack() throws Exception {
        FakeEngine engine = new FakeEngine("cpu");
        AtomicBoolean released = new AtomicBoolean();
        open(engine, released).cancelAndClose(List.of("a", "b"));
        assertEquals(List.of("a", "b"), engine.cancelled);
        assertTrue(released.get());
    }

    @Test
    void theLeaseGoesBackEvenWhenACancelFails() throws Exception {
        FakeEngine engine = new FakeEngine("cpu");
        engine.cancelFails = true;
        AtomicBoolean released = new AtomicBoolean();
        SlotEngine slot = open(engine, released);
        assertThrows(IllegalStateException.class, () -> slot.cancelAndClose(List.of("a")));
        assertTrue(released.get(), "a shared engine must not keep the failed subtask's reference");
    }
}
