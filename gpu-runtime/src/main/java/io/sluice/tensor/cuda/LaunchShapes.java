package io.sluice.tensor.cuda;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Int8Kernel;
import java.util.Locale;
import java.util.Set;

/**
 * The launch shapes of the kernels in src/main/cuda/sluice_kernels.cu and the kernel names per weight type.
 * The constants must equal the kernels' own ({@code SL_MM_ROWS}, {@code SL_ATT_THREADS}, ...): a test reads
 * them from the source. No shape depends on the step's row count except the grid's row dimension, so each
 * output element is computed by the same code in the same order whatever the batch (see the kernels' notes).
 */
public final class LaunchShapes {

    /** Activation rows one matmul warp covers ({@code SL_MM_ROWS}). */
    public static final int MATMUL_ROWS = 8;
    /** Warps (output features) per matmul block. */
    public static final int MATMUL_WARPS = 8;
    /** Threads of one attention block ({@code SL_ATT_THREADS}). */
    public static final int ATTENTION_THREADS = 128;
    /** Largest head dimension the attention kernel holds in shared memory ({@code SL_ATT_MAX_HEAD}). */
    public static final int ATTENTION_MAX_HEAD = 256;
    /** Threads of one RMSNorm block (one block per row). */
    public static final int NORM_THREADS = 256;
    /** Threads per block of the element-wise kernels. */
    public static final int ELEMENTWISE_THREADS = 256;
    /** Chunk threads per embedding block. */
    public static final int EMBED_THREADS = 128;

    /** Features of one tensor-core product block ({@code SL_MMQ_FEATURES}): the mma's M. */
    public static final int MMQ_FEATURES = 16;
    /** Tokens of one mma tile ({@code SL_MMQ_TOKENS}): its N. */
    public static final int MMQ_TOKENS = 8;
    /** Token tiles of one warp ({@code SL_MMQ_TILES}). */
    public static final int MMQ_TILES = 4;
    /** Warps of one tensor-core product block ({@code SL_MMQ_LANES}): the CPU order's eight lane accumulators. */
    public static final int MMQ_LANES = 8;
    /** Most tokens the matrix-vector integer product takes ({@code SL_MVQ_ROWS}); more go to tensor cores. */
    public static final int MVQ_ROWS = 8;
    /** Warps (features) of one matrix-vector integer product block. */
    public static final int MVQ_WARPS = 8;
    /** Warps of one activation-quantizing block (one warp per 32-value block). */
    public static final int QUANTIZE_WARPS = 8;

    /**
     * The weight types with integer products: the CPU backend's, since the GPU's mirror them to the bit (the
     * build's PTX must carry an mmq_ and an mvq_ kernel for each; KernelManifestTest checks).
     */
    public static final Set<GgmlType> INT8_TYPES = Set.copyOf(Int8Kernel.TYPES);

    /** The weight types the kernels decode. */
    public static final Set<GgmlType> TYPES = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    private LaunchShapes() {
    }

    /** "matmul_q4_k" for Q4_K. */
    public static String matmulKernel(GgmlType type) {
        return "matmul_" + suffix(type);
    }

    /** "q4_k" for Q4_K: the suffix of its integer products, mmq_ (tensor cores) and mvq_ (a few tokens). */
    public static String int8Suffix(GgmlType type) {
        if (!INT8_TYPES.contains(type)) {
            throw new IllegalArgumentException("no integer product for " + type + " weights");
        }
        return suffix(type);
    }

    /** "embed_q8_0" for Q8_0. */
    public static String embedKernel(GgmlType type) {
        return "embed_" + suffix(type);
    }

    private static String suffix(GgmlType type) {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("the CUDA kernels cannot compute with " + type + " weights");
        }
        return type.name().toLowerCase(Locale.ROOT);
    }

    /**
     * y[m, n] = x[m, k] W^T: one warp per output feature and {@link #MATMUL_ROWS} rows; row groups along x (the
     * blocks sharing weight rows run together), {@link #MATMUL_WARPS} features per block along y.
     */
    public static LaunchShape matmul(int n, int m) {
        positive(n, "output features");
        positive(m, "rows");
        int featureBlocks = ceilDiv(n, MATMUL_WARPS);
        if (featureBlocks > 65_535) {
            throw new IllegalArgumentException(n + " output features are beyond the matmul kernel's grid");
        }
        return new LaunchShape(ceilDiv(m, MATMUL_ROWS), featureBlocks, 32 * MATMUL_WARPS);
    }

    /**
     * The tensor-core products (integer and F16) of {@code n} features and {@code m} tokens: token tiles along x
     * (so that the tiles sharing one feature tile's weights run side by side), feature tiles along y.
     */
    public static LaunchShape mmq(int n, int m) {
        positive(n, "output features");
        positive(m, "rows");
        int featureTiles = ceilDiv(n, MMQ_FEATURES);
        if (featureTiles > 65_535) {
            throw new IllegalArgumentException(n + " output features are beyond the tensor-core product's grid");
        }
        return new LaunchShape(ceilDiv(m, MMQ_TOKENS * MMQ_TILES), featureTiles, 32 * MMQ_LANES);
    }

    /** The integer product for at most {@link #MVQ_ROWS} tokens: one warp per feature. */
    public static LaunchShape mvq(int n) {
        positive(n, "output features");
        return new LaunchShape(ceilDiv(n, MVQ_WARPS), 1, 32 * MVQ_WARPS);
    }

    /** One warp per 32-value block of {@code rows} rows of {@code k} activations. */
    public static LaunchShape quantizeQ8(int k, int rows) {
        if (k <= 0 || k % 32 != 0) {
            throw new IllegalArgumentException("8-bit activations need rows in blocks of 32, got " + k);
        }
        positive(rows, "rows");
        long warps = (long) rows * (k / 32);
        return new LaunchShape((int) ceilDiv(warps, QUANTIZE_WARPS), 1, 32 * QUANTIZE_WARPS);
    }

    /** One block per activation row: its largest magnitude, then its halves. */
    public static LaunchShape splitF16(int rows) {
        positive(rows, "rows");
        return new LaunchShape(rows, 1, NORM_THREADS);
    }

    /** One thread per 32-value chunk of each embedding row. */
    public static LaunchShape embed(int dim, int rows) {
        positive(dim, "dim");
        positive(rows, "rows");
        return new LaunchShape(ceilDiv(ceilDiv(dim, 32), EMBED_THREADS), rows, EMBED_THREADS);
    }

    public static LaunchShape rmsNorm(int rows) {
        positive(rows, "rows");
        return new LaunchShape(rows, 1, NORM_THREADS);
    }

    /** One thread per element, {@code count} elements in one row of the grid. */
    public static LaunchShape elementwise(long count) {
        if (count <= 0 || ceilDiv(count, ELEMENTWISE_THREADS) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("element count out of range: " + count);
        }
        return new LaunchShape((int) ceilDiv(count, ELEMENTWISE_THREADS), 1, ELEMENTWISE_THREADS);
    }

    /** One thread per element of a row, one grid row per activation row (bias add, gather, KV write F16). */
    public static LaunchShape perRow(int width, int rows) {
        positive(width, "width");
        positive(rows, "rows");
        return new LaunchShape(ceilDiv(width, ELEMENTWISE_THREADS), rows, ELEMENTWISE_THREADS);
    }

    /** One block per (head, row); one thread per rotated pair, rounded up to a warp. */
    public static LaunchShape rope(int heads, int ropeDim, int rows) {
        positive(heads, "heads");
        positive(rows, "rows");
        if (ropeDim <= 0 || ropeDim % 2 != 0 || ropeDim / 2 > 1024) {
            throw new IllegalArgumentException("rotary dimensions must be even and in (0, 2048], got " + ropeDim);
        }
        return new LaunchShape(heads, rows, 32 * ceilDiv(ropeDim / 2, 32));
    }

    /** One warp per 32-value block of the row: kvDim must be a multiple of 32. */
    public static LaunchShape kvWriteQ8(int kvDim, int rows) {
        if (kvDim <= 0 || kvDim % 32 != 0) {
            throw new IllegalArgumentException("an 8-bit KV cache needs KV widths that are multiples of 32, got " + kvDim);
        }
        positive(rows, "rows");
        return new LaunchShape(kvDim / 32, rows, 32);
    }

    /** One block per (query head, row). */
    public static LaunchShape attention(int heads, int kvHeads, int headDim, int rows, boolean q8) {
        positive(heads, "heads");
        positive(kvHeads, "KV heads");
        positive(rows, "rows");
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads do not group over " + kvHeads + " KV heads");
        }
        if (headDim <= 0 || headDim > ATTENTION_MAX_HEAD) {
            throw new IllegalArgumentException("head dimension " + headDim + " outside the attention kernel's (0, "
                    + ATTENTION_MAX_HEAD + "]");
        }
        if (q8 && headDim % 32 != 0) {
            throw new IllegalArgumentException("an 8-bit KV cache needs a head dimension that is a multiple of 32, got "
                    + headDim);
        }
        return new LaunchShape(heads, rows, ATTENTION_THREADS);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static void positive(int v, String what) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }
}
