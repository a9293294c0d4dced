package io.sluice.tensor.cuda;

import io.sluice.gguf.GgmlType;

/**
 * Which kernel multiplies a weight matrix on the GPU: chosen from its type and shape alone, never from the
 * number of rows in a step, so that a row takes the same arithmetic alone or batched.
 */
public enum ProductKernel {
    /**
     * Quantized weights times 8-bit activations, the CPU backend's bits: on tensor cores ({@code mmq_*}), or for
     * a few tokens a matrix-vector kernel ({@code mvq_*}) with the same bits, as the integer sums are exact.
     */
    INT8("int8"),
    /** F16 weights times activations split into two halves on tensor cores, to float accuracy ({@code mmf_f16}). */
    F16_MMA("f16 mma"),
    /** Float activations, one warp per feature, f32 fused multiply-adds ({@code matmul_*}). */
    FLOAT("float");

    private final String label;

    ProductKernel(String label) {
        this.label = label;
    }

    /** "int8", "f16 mma" or "float". */
    public String label() {
        return label;
    }

    /**
     * The kernel for weights of {@code type} with {@code cols} inputs: tensor cores where they apply (the F16
     * product needs whole 32-value chunks), else the float kernel; {@code tensorCores} false keeps every matrix on
     * the float kernel.
     */
    public static ProductKernel of(GgmlType type, int cols, boolean tensorCores) {
        if (tensorCores && LaunchShapes.INT8_TYPES.contains(type)) {
            return INT8;
        }
        if (tensorCores && type == GgmlType.F16 && cols % 32 == 0) {
            return F16_MMA;
        }
        return FLOAT;
    }
}
