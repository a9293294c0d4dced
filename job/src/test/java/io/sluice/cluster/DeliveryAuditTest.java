package io.sluice.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryAuditTest {
    private static final List<DeliveryAudit.Input> INPUTS = List.of(
            new DeliveryAudit.Input("p", 0, 0, "a"),
            new DeliveryAudit.Input("p", 1, 0, "b"),
            new DeliveryAudit.Input("p", 1, 1, null));

    private static Completion completion(String id) {
        return Completion.newBuilder().setRequestId(id).setModel("m").setText("t").setTokenIds(List.of())
                .setFinishReason("stop").setUsage(new io.sluice.schemas.Usage(1, 0, 1))
                .setTimings(new io.sluice.schemas.Timings(0.0, 0.0, 0.0, 0.0, 0.0))
                .setWorker(new io.sluice.schemas.Worker("h", 0, "cpu")).setAttributes(Map.of()).build();
    }

    private static DeadLetter deadLetter(String topic, int partition, long offset) {
        return DeadLetter.newBuilder().setOriginal(ByteBuffer.wrap(new byte[] {1})).setTopic(topic)
                .setPartition(partition).setOffset(offset).setErrorCode("UNDECODABLE").setErrorMessage("x")
                .setFailedAt(0).build();
    }

    @Test
    void eachInputAnsweredOnceIsExactlyOnce() {
        DeliveryAudit.Outcome o = DeliveryAudit.audit(INPUTS, List.of(completion("a"), completion("b")),
                List.of(deadLetter("p", 1, 1)));
        assertEquals(new DeliveryAudit.Outcome(3, 0, 0, 0), o);
        assertTrue(o.exactlyOnce());
    }

    @Test
    void missingRepeatedAndForeignResultsAreCounted() {
        DeliveryAudit.Outcome o = DeliveryAudit.audit(INPUTS,
                List.of(completion("a"), completion("a"), completion("z")),
                List.of(deadLetter("p", 1, 1), deadLetter("p", 1, 1), deadLetter("other", 1, 1)));
        assertEquals(new DeliveryAudit.Outcome(3, 1, 2, 2), o);
        assertFalse(o.exactlyOnce());
    }
}
