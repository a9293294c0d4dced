package io.sluice.operators.model;

import java.util.Arrays;

/** A micro-batch: the requests the micro-batcher hands to the inference operator together. */
public class RequestBatch {
    public PendingRequest[] requests;
    /** Processing time (epoch ms) when the batch was emitted. */
    public long formedAt;

    public RequestBatch() {
    }

    public RequestBatch(PendingRequest[] requests, long formedAt) {
        this.requests = requests;
        this.formedAt = formedAt;
    }

    public int size() {
        return requests.length;
    }

    public int promptTokens() {
        int sum = 0;
        for (PendingRequest r : requests) {
            sum += r.promptTokens;
        }
        return sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestBatch b && formedAt == b.formedAt && Arrays.equals(requests, b.requests);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(requests);
    }

    @Override
    public String toString() {
        return "RequestBatch[" + requests.length + " requests, " + promptTokens() + " prompt tokens]";
    }
}
