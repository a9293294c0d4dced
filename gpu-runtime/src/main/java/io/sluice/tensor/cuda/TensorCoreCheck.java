package io.sluice.tensor.cuda;

import io.sluice.gguf.GgmlType;
import java.util.List;
import java.util.Optional;

/**
 * When a GPU is opened: its tensor-core products of a few weight types ({@link TypeCheck}: the CPU backend's bits
 * for the integer products, float64 within 1e-5 for F16, each row alone as in a batch). A GPU that disagrees
 * computes with the float kernels instead, and says why once, rather than answer requests with wrong numbers.
 * Takes well under a second, once per GPU and process.
 */
final class TensorCoreCheck {

    /** The integer product of a 32-value type and of two K-quant layouts, and the F16 split product. */
    static final List<GgmlType> TYPES = List.of(GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F16);

    private TensorCoreCheck() {
    }

    /** Empty when every type passed, else the first failure: "Q4_K: NOT the CPU's bits (3.1e-02), ...". */
    static Optional<String> run(CudaCompute gpu) {
        for (GgmlType type : TYPES) {
            TypeCheck.Result r = TypeCheck.run(gpu, type);
            if (!r.passed()) {
                return Optional.of(type + ": " + r.describe());
            }
        }
        return Optional.empty();
    }
}
