/**
 * The compute seam and the weight matrices in ggml's storage types.
 *
 * <p>{@link io.sluice.tensor.ComputeBackend} is the set of operations the forward pass is written against
 * (embedding, RMSNorm, products on quantized weights, RoPE, paged attention, SwiGLU, residual add, logits);
 * each backend implements them on its own memory, one package per backend ({@code tensor.cpu}, later
 * {@code tensor.cuda}), chosen per model by a {@link io.sluice.tensor.Device}.
 *
 * <p>{@link io.sluice.tensor.WeightTensor#of} wraps a (memory-mapped) buffer holding one tensor as it is
 * stored in a GGUF file — F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K — without copying it
 * to the heap. {@link io.sluice.tensor.Kernels} splits products over all cores with {@link
 * io.sluice.tensor.Parallel}.
 *
 * <p>Replay safety: every product element is the dot product of the dequantized weight row (exactly
 * ggml's values) with the activation row in one fixed order of float operations (eight lane accumulators
 * of fused multiply-adds, a fixed lane sum, see {@link io.sluice.tensor.cpu.FloatKernel}). Batch size,
 * position in the batch, row ranges, thread split, dot/matvec/matmul, the JIT state and the backend
 * (Vector API or scalar fallback) change speed only, never a bit of the result.
 */
package io.sluice.tensor;
