package io.sluice.operators.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record as read, before decoding: where it came from and its bytes. Decoding happens in the validation
 * step, so that bytes that are not a request become dead letters instead of failing the source.
 * (A Flink POJO: public fields and a no-argument constructor.)
 */
public class RawRecord {
    /** Kafka topic, or the file of a bulk job. */
    public String topic;
    public int partition;
    /** Kafka offset, or the line number (from 1) in a file; -1 when unknown. */
    public long offset;
    /** Kafka record timestamp, epoch ms; -1 when unknown. */
    public long timestamp;
    public byte[] value;

    public RawRecord() {
    }

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawRecord r && partition == r.partition && offset == r.offset
                && timestamp == r.timestamp && Objects.equals(topic, r.topic) && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
