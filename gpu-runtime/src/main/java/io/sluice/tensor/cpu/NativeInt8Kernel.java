package io.sluice.tensor.cpu;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * The {@link Int8Kernel} in C with SIMD intrinsics ({@code src/main/c}), one JNI call per product range, reading
 * the weights in place from their (memory-mapped, direct) buffer. Heap buffers (tests, small vectors) go to the
 * Java kernel (Vector API where present, else scalar), which gives the same bits.
 */
public final class NativeInt8Kernel implements Int8Kernel {
    private static final Int8Kernel HEAP = Int8Kernels.vector().orElse(ScalarInt8Kernel.INSTANCE);
    /** {@link #supportedIsa()} values. */
    static final int ISA_AVX2 = 1;
    /** AVX-512 VNNI on 256-bit registers. */
    static final int ISA_AVX512_VNNI = 2;
    /** As {@link #ISA_AVX512_VNNI}, with 512-bit registers for single activation rows (decode). */
    static final int ISA_AVX512_ROWS = 3;

    private final int isa;

    /** Only after the library is loaded; {@code isa} from {@link #supportedIsa()} and nonzero. */
    NativeInt8Kernel(int isa) {
        this.isa = isa;
    }

    @Override
    public String name() {
        switch (isa) {
            case ISA_AVX512_ROWS:
                return "native-avx512-vnni";
            case ISA_AVX512_VNNI:
                return "native-avx512-vnni-256";
            default:
                return "native-avx2";
        }
    }

    @Override
    public void matmul(GgmlType type, ByteBuffer weights, int rowBytes, int rowStart, int rowEnd, Q8Activations x,
            float[] out, int outStride, int outOffset) {
        if (!weights.isDirect()) {
            HEAP.matmul(type, weights, rowBytes, rowStart, rowEnd, x, out, outStride, outOffset);
            return;
        }
        matmul0(isa, type.id(), weights, rowBytes, rowStart, rowEnd, x.quants(), x.scales(), x.sums(), x.rows(),
                x.cols(), out, outStride, outOffset);
    }

    /** Initialises the library's tables; the best instruction set this CPU has (0: none usable). */
    static native int supportedIsa();

    private static native void matmul0(int isa, int type, ByteBuffer weights, int rowBytes, int rowStart, int rowEnd,
            byte[] quants, float[] scales, int[] sums, int n, int cols, float[] out, int outStride, int outOffset);
}
