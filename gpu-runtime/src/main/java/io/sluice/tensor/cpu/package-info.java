/**
 * CPU kernel internals behind {@link io.sluice.tensor.WeightTensor}: the backend interface, row decoders
 * (one per type and backend) and the float kernel that fixes the order of operations. The Vector API
 * implementations live in {@code cpu.vector} and are loaded only when {@code jdk.incubator.vector} is
 * present ({@link io.sluice.tensor.cpu.Backends}); {@code cpu.scalar} holds plain-Java twins that compute
 * the same bits.
 */
package io.sluice.tensor.cpu;
