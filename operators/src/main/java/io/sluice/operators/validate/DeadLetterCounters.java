package io.sluice.operators.validate;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/** Dead-letter counts of one operator: {@code sluice.deadLetters} and one per reason (group {@code reason}). */
public final class DeadLetterCounters {
    private final MetricGroup group;
    private final Counter total;
    private final Map<DeadLetterReason, Counter> byReason = new EnumMap<>(DeadLetterReason.class);

    public DeadLetterCounters(MetricGroup sluiceGroup) {
        this.group = sluiceGroup;
        this.total = sluiceGroup.counter("deadLetters");
    }

    public void inc(DeadLetterReason reason) {
        total.inc();
        byReason.computeIfAbsent(reason, r -> group.addGroup("reason", r.name()).counter("deadLetters")).inc();
    }

    public long total() {
        return total.getCount();
    }
}
