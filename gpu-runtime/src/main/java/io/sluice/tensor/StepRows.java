package io.sluice.tensor;

/**
 * The per-step row description as a backend reads it: what {@link ComputeBackend#upload} made of a
 * {@link StepPlan}. The CPU reads the plan itself; a GPU holds device copies of its integer arrays.
 */
public interface StepRows {
    /** Rows in this step. */
    int size();

    /** Rows that want logits. */
    int logitRows();
}
