/**
 * The CPU backend ({@link io.sluice.tensor.cpu.CpuCompute}) and its kernels. Products on Q8_0, Q4_0, Q4_K and
 * Q6_K weights take 8-bit activations ({@link io.sluice.tensor.cpu.Int8Kernel}: native AVX2 / AVX-512 VNNI code
 * from {@code src/main/c}, loaded per class loader by {@link io.sluice.tensor.cpu.NativeLibrary}, or the scalar
 * Java twin; same bits). The float-activation kernels behind {@link io.sluice.tensor.WeightTensor}: the backend interface, row decoders
 * (one per type and backend) and the float kernel that fixes the order of operations. The Vector API
 * implementations live in {@code cpu.vector} and are loaded only when {@code jdk.incubator.vector} is
 * present ({@link io.sluice.tensor.cpu.Backends}); {@code cpu.scalar} holds plain-Java twins that compute
 * the same bits.
 */
package io.sluice.tensor.cpu;
