package io.sluice.model;

import io.sluice.tensor.DeviceMatrix;
import io.sluice.tensor.DeviceVector;

/**
 * The weights of one transformer block, prepared for the model's backend. Biases are null except for
 * architectures that have them (Qwen2). {@code qkv} and {@code gateUp} group the products that share an
 * activation, so that each group runs as one pass.
 */
record LayerWeights(
        DeviceVector attnNorm,
        DeviceVector bq,
        DeviceVector bk,
        DeviceVector bv,
        DeviceMatrix[] qkv,
        DeviceMatrix wo,
        DeviceVector ffnNorm,
        DeviceMatrix[] gateUp,
        DeviceMatrix wDown) {
}
