package io.sluice.tensor.cpu;

/**
 * The softmax of attention scores, in one fixed order on every machine and every {@link ElementKernel}:
 * <ol>
 *   <li>{@code s[t] = scores[t] · scale} and {@code max = max_t s[t]} (Java's max: order-free);</li>
 *   <li>{@code e[t] = Exp.exp(s[t] − max)} ({@link Exp});</li>
 *   <li>eight lane sums {@code a[t % 8] += e[t]} in increasing {@code t} for {@code t < len − len % 8}, then
 *       {@link LaneSum#sum} of them, then the remaining {@code e[t]} added front to back;</li>
 *   <li>{@code scores[t] = e[t] · (1 / sum)}.</li>
 * </ol>
 */
final class Softmax {
    private Softmax() {
    }

    /** Replaces {@code scores[0, len)} by {@code softmax(scores * scale)} in the order above. */
    static void scaled(float[] scores, int len, float scale) {
        ElementKernels.active().softmax(scores, len, scale);
    }
}
