package io.sluice.tensor;

/** A piece of work over the index range {@code [start, end)}. */
@FunctionalInterface
public interface IntRangeBody {
    void run(int start, int end);
}
