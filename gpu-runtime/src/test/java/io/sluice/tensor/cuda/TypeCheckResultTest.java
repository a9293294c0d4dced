package io.sluice.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import org.junit.jupiter.api.Test;

/** What gpu-check and the check at open accept: integer products need the CPU's bits, the others 1e-5. */
class TypeCheckResultTest {

    @Test
    void integerProductsNeedTheCpusBits() {
        TypeCheck.Result same = new TypeCheck.Result(GgmlType.Q4_K, ProductKernel.INT8, 2e-3, 2e-3, 0, true, true);
        assertTrue(same.passed());
        assertEquals("the CPU's bits, batch-invariant", same.describe());
        TypeCheck.Result close = new TypeCheck.Result(GgmlType.Q4_K, ProductKernel.INT8, 2e-3, 2e-3, 1e-7, false, true);
        assertFalse(close.passed(), "near is not enough: the CPU's bits are the promise");
        assertEquals("NOT the CPU's bits (1.0e-07), batch-invariant", close.describe());
    }

    @Test
    void floatProductsWithinTheReferenceAndBatchInvariant() {
        assertTrue(new TypeCheck.Result(GgmlType.F16, ProductKernel.F16_MMA, 3e-7, 1e-7, 3e-7, false, true).passed());
        assertFalse(new TypeCheck.Result(GgmlType.F16, ProductKernel.F16_MMA, 2e-5, 1e-7, 2e-5, false, true).passed());
        TypeCheck.Result varies = new TypeCheck.Result(GgmlType.F32, ProductKernel.FLOAT, 1e-7, 1e-7, 0, true, false);
        assertFalse(varies.passed());
        assertEquals("rel. error 1.0e-07, NOT batch-invariant", varies.describe());
    }
}
