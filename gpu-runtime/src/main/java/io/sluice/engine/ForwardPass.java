package io.sluice.engine;

import io.sluice.kv.KvCacheStorage;
import io.sluice.model.ForwardBatch;

/**
 * One forward pass of the model over a batch ({@link io.sluice.model.LlamaModel#forward}): the scheduler's only
 * way into the model, so that tests can make a pass fail for chosen rows.
 */
@FunctionalInterface
interface ForwardPass {

    /**
     * Writes the rows' K/V and returns the logits of the rows that want them (into {@code reuse} when it is
     * large enough, as {@link io.sluice.model.LlamaModel#forward(ForwardBatch, KvCacheStorage, float[])}), or
     * throws.
     */
    float[] run(ForwardBatch batch, KvCacheStorage kv, float[] reuse);
}
