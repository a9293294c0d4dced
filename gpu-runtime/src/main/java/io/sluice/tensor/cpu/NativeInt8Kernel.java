package io.sluice.tensor.cpu;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * The {@link Int8Kernel} in C with SIMD intrinsics ({@code src/main/c}), one JNI call per product range, reading
 * the weights in place from their (memory-mapped, direct) buffer. Heap buffers (tests, small vectors) go to the
 * Java kernel (Vector API where present, else scalar), which gives the same bits. With AMX, batches of at least
 * {@link #AMX_MIN_ROWS_Q8_0} (Q8_0) or {@link #AMX_MIN_ROWS_UNPACKED} (other types) activation rows go to the
 * tile kernels, smaller ones to AVX-512 VNNI (same bits).
 */
public final class NativeInt8Kernel implements Int8Kernel {
    private static final Int8Kernel HEAP = Int8Kernels.vector().orElse(ScalarInt8Kernel.INSTANCE);
    /** {@link #supportedIsa()} values. */
    static final int ISA_AVX2 = 1;
    /** AVX-512 VNNI on 256-bit registers. */
    static final int ISA_AVX512_VNNI = 2;
    /** As {@link #ISA_AVX512_VNNI}, with 512-bit registers for single activation rows (decode). */
    static final int ISA_AVX512_ROWS = 3;
    /** As {@link #ISA_AVX512_ROWS}, with AMX-INT8 tiles for batches. */
    static final int ISA_AMX = 4;
    /** {@link #amxStatus()} values. */
    static final int AMX_IN_USE = 0;
    static final int AMX_NO_CPU = 1;
    static final int AMX_NOT_COMPILED = 2;
    static final int AMX_REFUSED = 3;
    /**
     * The fewest activation rows the AMX tiles take for Q8_0 (read in place) and for the other types (unpacked
     * first): a tile always computes 16 activation rows, so small batches pay for padding. Measured with
     * int8_bench (one thread, 768 columns): Q8_0 tiles beat VNNI from 2 rows; Q4_K and Q6_K lose at 2-4 rows,
     * tie at 6 and win from 8; Q4_0 wins from 4.
     */
    static final int AMX_MIN_ROWS_Q8_0 = 2;
    static final int AMX_MIN_ROWS_UNPACKED = 6;
    /** Each thread's scratch for the native calls, grown as needed and reused (no allocation per call). */
    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

    private final int isa;
    private final int amxMinRows;

    /** Only after the library is loaded; {@code isa} from {@link #supportedIsa()} and nonzero. */
    NativeInt8Kernel(int isa) {
        this(isa, 0);
    }

    /**
     * With AMX, the tiles take batches of at least {@code amxMinRows} rows of every type (tests: 2, every batch);
     * 0 for the measured thresholds per type.
     */
    NativeInt8Kernel(int isa, int amxMinRows) {
        this.isa = isa;
        this.amxMinRows = amxMinRows;
    }

    private int amxMinRows(GgmlType type) {
        if (amxMinRows > 0) {
            return amxMinRows;
        }
        return type == GgmlType.Q8_0 ? AMX_MIN_ROWS_Q8_0 : AMX_MIN_ROWS_UNPACKED;
    }

    @Override
    public String name() {
        switch (isa) {
            case ISA_AMX:
                return "native-avx512-vnni+amx";
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
        int n = x.rows();
        // Below the threshold a batch goes to the VNNI kernels; one row to the 512-bit row kernels (both below AMX).
        int callIsa = isa == ISA_AMX && n < amxMinRows(type) ? ISA_AVX512_ROWS : isa;
        ByteBuffer scratch = SCRATCH.get();
        long needed = matmul0(callIsa, type.id(), weights, rowBytes, rowStart, rowEnd, x.quants(), x.scales(),
                x.sums(), n, x.cols(), out, outStride, outOffset, scratch);
        if (needed > 0) {
            // the thread's first call of this size: grow its scratch and run the product now
            scratch = grown(scratch, needed);
            if (matmul0(callIsa, type.id(), weights, rowBytes, rowStart, rowEnd, x.quants(), x.scales(), x.sums(),
                    n, x.cols(), out, outStride, outOffset, scratch) != 0) {
                throw new IllegalStateException("native int8 product refused a scratch of " + needed + " bytes");
            }
        }
    }

    /** A thread's scratch of at least {@code bytes} (at least twice the old one: few re-allocations), kept for its next calls. */
    private static ByteBuffer grown(ByteBuffer old, long bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.max(bytes, old == null ? 0 : 2L * old.capacity()));
        SCRATCH.set(buffer);
        return buffer;
    }

    /**
     * Initialises the library's tables and, where the CPU has AMX, asks Linux for the tile state of this process;
     * the best instruction set usable here (0: none).
     */
    static native int supportedIsa();

    /** After {@link #supportedIsa()}: why AMX is not used ({@link #AMX_IN_USE} when it is). */
    static native int amxStatus();

    /**
     * One product range with the thread's scratch ({@code scratch} may be null); 0 when done, else the scratch bytes
     * the call needs (it computed nothing): one JNI call per product once the scratch is large enough.
     */
    private static native long matmul0(int isa, int type, ByteBuffer weights, int rowBytes, int rowStart, int rowEnd,
            byte[] quants, float[] scales, int[] sums, int n, int cols, float[] out, int outStride, int outOffset,
            ByteBuffer scratch);
}
