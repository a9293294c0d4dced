package io.sluice.cluster;

import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exactly once, checked from the outside: every input record must have exactly one result — a completion (found
 * by its request id) or a dead letter (found by the topic, partition and offset it names). Results of no input
 * record are counted apart.
 */
public final class DeliveryAudit {

    /** A record the job was given: where it was written, and its request id when it is a readable request. */
    public record Input(String topic, int partition, long offset, String requestId) {
    }

    /** Inputs without a result, results beyond the first for an input, and results that answer no input. */
    public record Outcome(int inputs, int lost, int duplicated, int unknown) {
        public boolean exactlyOnce() {
            return lost == 0 && duplicated == 0 && unknown == 0;
        }
    }

    private DeliveryAudit() {
    }

    public static Outcome audit(List<Input> inputs, List<Completion> completions, List<DeadLetter> deadLetters) {
        Map<Input, Integer> answers = new LinkedHashMap<>();
        Map<String, Input> byRequestId = new HashMap<>();
        Map<String, Input> byPosition = new HashMap<>();
        for (Input input : inputs) {
            answers.put(input, 0);
            if (input.requestId() != null) {
                byRequestId.putIfAbsent(input.requestId(), input);
            }
            byPosition.put(position(input.topic(), input.partition(), input.offset()), input);
        }
        int unknown = 0;
        for (Completion c : completions) {
            Input input = byRequestId.get(c.getRequestId());
            if (input == null) {
                unknown++;
            } else {
                answers.merge(input, 1, Integer::sum);
            }
        }
        for (DeadLetter d : deadLetters) {
            Input input = byPosition.get(position(d.getTopic(), d.getPartition(), d.getOffset()));
            if (input == null) {
                unknown++;
            } else {
                answers.merge(input, 1, Integer::sum);
            }
        }
        int lost = (int) answers.values().stream().filter(n -> n == 0).count();
        int duplicated = answers.values().stream().mapToInt(n -> Math.max(0, n - 1)).sum();
        return new Outcome(inputs.size(), lost, duplicated, unknown);
    }

    private static String position(String topic, int partition, long offset) {
        return topic + "/" + partition + "@" + offset;
    }
}
