package io.sluice.tensor.cpu;

/**
 * The element-wise work of the forward pass on the CPU: the SwiGLU gate, the softmax of attention scores and the
 * 8-bit quantization of activations. Each method's result is defined by a scalar sequence of IEEE operations
 * (stated with the method; {@link Exp} for the exponential), so that the scalar and the Vector API
 * implementations compute the same bits; they differ in speed only. Chosen by {@link ElementKernels}.
 */
public interface ElementKernel {
    /** A short name for logs ("vector", "scalar"). */
    String name();

    /**
     * {@code g[k] = g[k] / (1 + Exp.exp(−g[k])) · u[k]} for {@code k} in {@code [from, to)}: SiLU of the gate times
     * the up projection, two roundings after the exponential (the division, then the product).
     */
    void swiGlu(float[] g, float[] u, int from, int to);

    /** {@link Softmax#scaled}, in the order its class comment defines. */
    void softmax(float[] scores, int len, float scale);

    /**
     * Quantizes blocks {@code [from, to)} of {@code x} (32 floats each) as {@link Q8Activations} defines: block b's
     * values into {@code q[32b ..]}, its scale into {@code d[b]} and the sum of its values into {@code sum[b]}.
     */
    void quantize(float[] x, int from, int to, byte[] q, float[] d, int[] sum);
}
