package io.sluice.tensor.cpu;

/**
 * Activation rows quantized to 8 bits in blocks of 32, the input of the integer products on quantized
 * weights. Block b of a row: {@code d = max|x| / 127}, {@code q[k] = rint(x[k] * (1 / d))} (0 when the
 * block is all zeros) and {@code sum = Σ q[k]}. Rounding is to nearest, ties to even, done as
 * {@code (v + 1.5·2²³) − 1.5·2²³} so that Java, the Vector API and C (compiled without contraction) agree on
 * every bit. Buffers grow and are reused.
 */
public final class Q8Activations {
    /** Elements per block. */
    public static final int BLOCK = 32;
    private static final float MAGIC = 12582912f;

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
        for (int b = 0; b < blocks; b++) {
            int at = b * BLOCK;
            float amax = 0f;
            for (int k = 0; k < BLOCK; k++) {
                amax = Math.max(amax, Math.abs(x[at + k]));
            }
            float scale = amax / 127f;
            float inv = scale != 0f ? 1f / scale : 0f;
            int s = 0;
            for (int k = 0; k < BLOCK; k++) {
                float v = x[at + k] * inv;
                int r = (int) ((v + MAGIC) - MAGIC);
                q[at + k] = (byte) r;
                s += r;
            }
            d[b] = scale;
            sum[b] = s;
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
