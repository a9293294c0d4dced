package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerOrderTest {

    private static Sequence sequence(long serial, int priority) {
        GenerationRequest r = GenerationRequest.builder("s" + serial).promptIds(1).priority(priority).build();
        return new Sequence(serial, r, new int[] {1}, TokenListener.NONE, new Sampler(r.sampling(), 8, 8),
                r.stopConditions(), TextStream.none(), 16, 0);
    }

    @Test
    void higherPriorityFirstThenArrivalEvenAtTheExtremesOfInt() {
        Sequence lowest = sequence(1, Integer.MIN_VALUE);
        Sequence normal = sequence(2, 0);
        Sequence highest = sequence(3, Integer.MAX_VALUE);
        Sequence normalLater = sequence(4, 0);
        List<Sequence> order = new ArrayList<>(List.of(lowest, normalLater, normal, highest));
        order.sort(Scheduler.ORDER);
        assertEquals(List.of(highest, normal, normalLater, lowest), order);
    }
}
