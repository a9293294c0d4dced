package io.sluice.tensor.cpu;

/**
 * {@link CpuAttention}'s tasks in C ({@code attention_kernels.h}) for F32 and F16 KV caches, reading the cache's
 * arrays in place: one JNI call per parallel part of a layer. Computes the same bits as the Java path (scalar or
 * Vector API): the same operations in the same order. In use where the native int8 kernels are (the library is
 * loaded in this class loader: {@code -Dsluice.cpu.native=false} and {@code -Dsluice.cpu.backend=scalar} keep
 * Java) and the CPU has AVX2, FMA and F16C; {@code -Dsluice.cpu.nativeAttention=false} keeps the Java attention
 * alone (to compare the two on one jar).
 */
final class NativeAttention {
    private NativeAttention() {
    }

    /** Whether {@link #attend0} may be called. */
    static boolean available() {
        return Holder.AVAILABLE;
    }

    private static final class Holder {
        static final boolean AVAILABLE = !"false".equals(System.getProperty("sluice.cpu.nativeAttention"))
                && Int8Kernels.active() instanceof NativeInt8Kernel && supported0() == 1;
    }

    /** 1 where the CPU has AVX2, FMA and F16C, else 0. */
    private static native int supported0();

    /**
     * Tasks {@code [start, end)} of one layer (task = row · heads + head), as CpuAttention computes them: row r
     * attends over positions {@code [0, rows[2r]]}, its block table at {@code tables[rows[2r + 1] ..]}; keys and
     * values are the layer's arrays ({@code float[]}, or {@code short[]} half-float bits when {@code half});
     * {@code scores} holds at least heads · (the longest row's position + 1) floats.
     */
    static native void attend0(Object keys, Object values, boolean half, int kvDim, int blockSize, int[] rows,
            int[] tables, float[] q, float[] out, int heads, int headDim, int group, int qDim, float scale, int start,
            int end, float[] scores);
}
