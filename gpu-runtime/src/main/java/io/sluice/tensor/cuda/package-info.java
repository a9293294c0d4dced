/**
 * The CUDA backend: the forward-pass operations as our own kernels (src/main/cuda, compiled to PTX by the build)
 * on NVIDIA GPUs through JCuda's driver API, which needs only the NVIDIA driver at run time. Weights stay in
 * their GGUF encoding in device memory and are dequantized inside the kernels; the KV cache and the
 * activations of a step stay on the device too.
 *
 * <p>What does not need a GPU is kept in pure functions and tested everywhere: the kernel manifest
 * ({@link io.sluice.tensor.cuda.KernelManifest}), why CUDA cannot be used ({@link io.sluice.tensor.cuda.CudaStatus}),
 * memory planning ({@link io.sluice.tensor.cuda.DeviceMemoryPlan}), packing a step for upload
 * ({@link io.sluice.tensor.cuda.StepUpload}) and launch shapes ({@link io.sluice.tensor.cuda.LaunchShapes}).
 */
package io.sluice.tensor.cuda;
