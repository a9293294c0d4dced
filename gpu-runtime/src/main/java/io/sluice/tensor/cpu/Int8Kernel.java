package io.sluice.tensor.cpu;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;

/**
 * Products of quantized weights with {@link Q8Activations}: every weight-block × activation-block product is
 * an exact integer sum, so its order does not matter, and the floats are combined in one fixed order that
 * every implementation (scalar Java, the Vector API, native SIMD) follows — they return the same bits.
 *
 * <p>The order, for one weight row and one activation row: eight lane accumulators {@code a[0..7] = +0}; for
 * each 32-element block {@code b} of the row in increasing order, with {@code dx} the activation block's scale,
 * {@code sx} its Σq and {@code lane = b % 8}:
 * <ul>
 *   <li>Q8_0 (value {@code d·q}), Q4_0 ({@code d·(n−8)}):
 *       {@code a[lane] = fma(d·dx, isum, a[lane])} with {@code isum = Σ qw·qx};</li>
 *   <li>Q5_0 ({@code d·(n−16)}, n of 5 bits): as Q4_0;</li>
 *   <li>Q5_1 ({@code d·n + m}): {@code a[lane] = fma(d·dx, Σ n·qx, a[lane])}, then
 *       {@code a[lane] = fma(m·dx, sx, a[lane])};</li>
 *   <li>Q4_K and Q5_K (sub-block {@code j = b % 8} of a super-block, value {@code d·sc_j·n − dmin·m_j}):
 *       {@code a[lane] = fma(d·dx, sc_j·Σ n·qx, a[lane])}, then {@code a[lane] = fma(−(dmin·dx), m_j·sx, a[lane])};</li>
 *   <li>Q6_K (two 16-element sub-blocks per block, value {@code d·sc·(n−32)}):
 *       {@code a[lane] = fma(d·dx, sc_lo·Σ_lo (n−32)·qx + sc_hi·Σ_hi (n−32)·qx, a[lane])};</li>
 * </ul>
 * the integers converted to float exactly (they stay below 2²⁴); then the {@link LaneSum} of the lanes.
 */
public interface Int8Kernel {
    /** The weight types with integer products; the others keep float activations. */
    Set<GgmlType> TYPES = EnumSet.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K,
            GgmlType.Q5_K, GgmlType.Q6_K);

    /** A short name for logs and {@code sluice devices}. */
    String name();

    /**
     * {@code out[i * outStride + outOffset + r] = row r of the weights · activation row i} for
     * {@code rowStart <= r < rowEnd} and {@code i < x.rows()}; {@code weights} holds the whole tensor
     * ({@code rowBytes} per row, position 0, little-endian), {@code x} rows of {@code cols}.
     */
    void matmul(GgmlType type, ByteBuffer weights, int rowBytes, int rowStart, int rowEnd, Q8Activations x,
            float[] out, int outStride, int outOffset);
}
