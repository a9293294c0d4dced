package io.sluice.model;

import io.sluice.tensor.WeightTensor;

/** The weights of one transformer block. Biases are null except for architectures that have them (Qwen2). */
record LayerWeights(
        float[] attnNorm,
        WeightTensor wq,
        WeightTensor wk,
        WeightTensor wv,
        float[] bq,
        float[] bk,
        float[] bv,
        WeightTensor wo,
        float[] ffnNorm,
        WeightTensor wGate,
        WeightTensor wUp,
        WeightTensor wDown) {

    /** Q, K and V projections, run as one parallel pass. */
    WeightTensor[] qkv() {
        return new WeightTensor[] {wq, wk, wv};
    }

    /** Gate and up projections, run as one parallel pass. */
    WeightTensor[] gateUp() {
        return new WeightTensor[] {wGate, wUp};
    }
}
