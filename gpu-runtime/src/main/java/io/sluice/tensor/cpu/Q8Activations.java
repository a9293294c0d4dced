package io.sluice.tensor.cpu;

import io.sluice.tensor.IntRangeBody;
import io.sluice.tensor.Parallel;

/**
 * Activation rows quantized to 8 bits in blocks of 32, the input of the integer products on quantized
 * weights. Block b of a row: {@code d = max|x| / 127}, {@code inv = 1 / d} (0 when the block is all zeros),
 * {@code q[k] = rint(x[k] · inv)} and {@code sum = Σ q[k]}. Rounding is to nearest, ties to even, done by
 * adding 1.5·2²³ ({@link Exp#MAGIC}), whose sum holds the rounded value in its low mantissa bits, so that every
 * {@link ElementKernel} agrees on every bit: the maximum is exact in any order and each value takes the same two
 * roundings. Many rows are split over the cores. Buffers grow and are reused.
 */
public final class Q8Activations {
    /** Elements per block. */
    public static final int BLOCK = 32;
    private final Rows body = new Rows();
    private byte[] q = new byte[0];
    private float[] d = new float[0];
    private int[] sum = new int[0];
    private int rows;
    private int cols;

    /** Quantizes rows {@code [0, n)} of {@code x} ({@code cols} floats each, a multiple of 32). */
    public void quantize(float[] x, int n, int cols) {
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("8-bit activations need rows in blocks of 32, got " + cols);
        }
        int blocks = n * cols / BLOCK;
        if (q.length < n * cols) {
            q = new byte[n * cols];
        }
        if (d.length < blocks) {
            d = new float[blocks];
            sum = new int[blocks];
        }
        this.rows = n;
        this.cols = cols;
        if (n < 2 || n * cols < CpuCompute.ELEMENTS_PARALLEL_THRESHOLD) {
            ElementKernels.active().quantize(x, 0, blocks, q, d, sum);
            return;
        }
        body.x = x;
        try {
            Parallel.forRange(n, Math.min(n, Parallel.threads() * CpuCompute.CHUNKS_PER_THREAD), body);
        } finally {
            body.x = null;
        }
    }

    /** Rows {@code [r0, r1)} of the activations being quantized. */
    private final class Rows implements IntRangeBody {
        private float[] x;

        @Override
        public void run(int r0, int r1) {
            int perRow = cols / BLOCK;
            ElementKernels.active().quantize(x, r0 * perRow, r1 * perRow, q, d, sum);
        }
    }

    /** The quantized values, row after row. */
    public byte[] quants() {
        return q;
    }

    /** The scale of every block, row after row ({@code cols / 32} per row). */
    public float[] scales() {
        return d;
    }

    /** Σ q of every block. */
    public int[] sums() {
        return sum;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }
}
