package io.sluice.tensor.cpu;

import io.sluice.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * The {@link Int8Kernel} order in plain Java: the definition the SIMD kernels are tested against, and the path
 * of machines without a native library.
 */
public final class ScalarInt8Kernel implements Int8Kernel {
    public static final ScalarInt8Kernel INSTANCE = new ScalarInt8Kernel();
    private static final int L = LaneSum.LANES;
    private static final ThreadLocal<byte[]> ROW = ThreadLocal.withInitial(() -> new byte[0]);

    private ScalarInt8Kernel() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void matmul(GgmlType type, ByteBuffer weights, int rowBytes, int rowStart, int rowEnd, Q8Activations x,
            float[] out, int outStride, int outOffset) {
        byte[] row = ROW.get();
        if (row.length < rowBytes) {
            row = new byte[rowBytes];
            ROW.set(row);
        }
        float[] acc = new float[L];
        int cols = x.cols();
        for (int r = rowStart; r < rowEnd; r++) {
            weights.get(r * rowBytes, row, 0, rowBytes);
            for (int i = 0; i < x.rows(); i++) {
                java.util.Arrays.fill(acc, 0f);
                switch (type) {
                    case Q8_0:
                        q8_0(row, x, i, cols, acc);
                        break;
                    case Q4_0:
                        q4_0(row, x, i, cols, acc);
                        break;
                    case Q4_K:
                        q4_k(row, x, i, cols, acc);
                        break;
                    case Q6_K:
                        q6_k(row, x, i, cols, acc);
                        break;
                    case Q5_0:
                        q5_0(row, x, i, cols, acc);
                        break;
                    case Q5_1:
                        q5_1(row, x, i, cols, acc);
                        break;
                    case Q5_K:
                        q5_k(row, x, i, cols, acc);
                        break;
                    default:
                        throw new IllegalArgumentException("no 8-bit activation product for " + type);
                }
                out[i * outStride + outOffset + r] = LaneSum.sum(acc, 0);
            }
        }
    }

    private static void q8_0(byte[] w, Q8Activations x, int i, int cols, float[] acc) {
        byte[] q = x.quants();
        float[] d = x.scales();
        int blocks = cols / 32;
        int xb0 = i * blocks;
        for (int b = 0; b < blocks; b++) {
            int wb = b * 34;
            int xq = (xb0 + b) * 32;
            int isum = 0;
            for (int k = 0; k < 32; k++) {
                isum += w[wb + 2 + k] * q[xq + k];
            }
            acc[b % L] = Math.fma(HalfFloat.read(w, wb) * d[xb0 + b], (float) isum, acc[b % L]);
        }
    }

    private static void q4_0(byte[] w, Q8Activations x, int i, int cols, float[] acc) {
        byte[] q = x.quants();
        float[] d = x.scales();
        int blocks = cols / 32;
        int xb0 = i * blocks;
        for (int b = 0; b < blocks; b++) {
            int wb = b * 18;
            int xq = (xb0 + b) * 32;
            int isum = 0;
            for (int k = 0; k < 16; k++) {
                int n = w[wb + 2 + k] & 0xff;
                isum += ((n & 0x0f) - 8) * q[xq + k] + ((n >>> 4) - 8) * q[xq + k + 16];
            }
            acc[b % L] = Math.fma(HalfFloat.read(w, wb) * d[xb0 + b], (float) isum, acc[b % L]);
        }
    }

    private static void q4_k(byte[] w, Q8Activations x, int i, int cols, float[] acc) {
        byte[] q = x.quants();
        float[] d = x.scales();
        int[] s = x.sums();
        int xb0 = i * (cols / 32);
        for (int sb = 0; sb < cols / 256; sb++) {
            int wb = sb * 144;
            float dw = HalfFloat.read(w, wb);
            float dmin = HalfFloat.read(w, wb + 2);
            for (int j = 0; j < 8; j++) {
                int b = xb0 + sb * 8 + j;
                int xq = b * 32;
                int qs = wb + 16 + 32 * (j / 2);
                int shift = 4 * (j % 2);
                int isum = 0;
                for (int k = 0; k < 32; k++) {
                    isum += (((w[qs + k] & 0xff) >>> shift) & 0x0f) * q[xq + k];
                }
                int sc = KQuantScales.scale(w, wb + 4, j);
                int m = KQuantScales.min(w, wb + 4, j);
                acc[j] = Math.fma(dw * d[b], (float) (sc * isum), acc[j]);
                acc[j] = Math.fma(-(dmin * d[b]), (float) (m * s[b]), acc[j]);
            }
        }
    }

    private static void q6_k(byte[] w, Q8Activations x, int i, int cols, float[] acc) {
        byte[] q = x.quants();
        float[] d = x.scales();
        int xb0 = i * (cols / 32);
        for (int sb = 0; sb < cols / 256; sb++) {
            int wb = sb * 210;
            float dw = HalfFloat.read(w, wb + 208);
            for (int j = 0; j < 8; j++) {
                int half = j / 4;
                int quarter = j % 4;
                int ql = wb + 64 * half + 32 * (quarter % 2);
                int qh = wb + 128 + 32 * half;
                int lowShift = 4 * (quarter / 2);
                int highShift = 2 * quarter;
                int b = xb0 + sb * 8 + j;
                int xq = b * 32;
                int lo = 0;
                int hi = 0;
                for (int k = 0; k < 32; k++) {
                    int n = (((w[ql + k] & 0xff) >>> lowShift) & 0x0f) | ((((w[qh + k] & 0xff) >>> highShift) & 3) << 4);
                    int p = (n - 32) * q[xq + k];
                    if (k < 16) {
                        lo += p;
                    } else {
                        hi += p;
                    }
                }
                int sc = wb + 192 + 8 * half + 2 * quarter;
                acc[j] = Math.fma(dw * d[b], (float) (w[sc] * lo + w[sc + 1] * hi), acc[j]);
            }
        }
    }

    private static void q5_0(byte[] w, Q8Activations x, int i, int cols, float[] acc) {
        byte[] q = x.quants();
        float[] d = x.scales();
        int blocks = cols / 32;
        int xb0 = i * blocks;
        for (int b = 0; b < blocks; b++) {
            int wb = b * 22;
            int xq = (xb0 + b) * 32;
            int qh = LittleEndian.int32(w, wb + 2);
            int isum = 0;
            for (int k = 0; k < 16; k++) {
                int n = w[wb + 6 + k] & 0xff;
                int lo = (n & 0x0f) | (((qh >>> k) & 1) << 4);
                int hi = (n >>> 4) | (((qh >>> (k + 16)) & 1) << 4);
                isum += (lo - 16) * q[xq + k] + (hi - 16) * q[xq + k + 16];
            }
            acc[b % L] = Math.fma(HalfFloat.read(w, wb) * d[xb0 + b], (float) isum, acc[b % L]);
        }
    }

    private static void q5_1(byte[] w, Q8Activations x, int i, int cols, float[] acc) {
        byte[] q = x.quants();
        float[] d = x.scales();
        int[] s = x.sums();
        int blocks = cols / 32;
        int xb0 = i * blocks;
        for (int b = 0; b < blocks; b++) {
            int wb = b * 24;
            int xq = (xb0 + b) * 32;
            int qh = LittleEndian.int32(w, wb + 4);
            int isum = 0;
            for (int k = 0; k < 16; k++) {
                int n = w[wb + 8 + k] & 0xff;
                int lo = (n & 0x0f) | (((qh >>> k) & 1) << 4);
                int hi = (n >>> 4) | (((qh >>> (k + 16)) & 1) << 4);
                isum += lo * q[xq + k] + hi * q[xq + k + 16];
            }
            float dx = d[xb0 + b];
            acc[b % L] = Math.fma(HalfFloat.read(w, wb) * dx, (float) isum, acc[b % L]);
            acc[b % L] = Math.fma(HalfFloat.read(w, wb + 2) * dx, (float) s[xb0 + b], acc[b % L]);
        }
    }

    private static void q5_k(byte[] w, Q8Activations x, int i, int cols, float[] acc) {
        byte[] q = x.quants();
        float[] d = x.scales();
        int[] s = x.sums();
        int xb0 = i * (cols / 32);
        for (int sb = 0; sb < cols / 256; sb++) {
            int wb = sb * 176;
            float dw = HalfFloat.read(w, wb);
            float dmin = HalfFloat.read(w, wb + 2);
            for (int j = 0; j < 8; j++) {
                int b = xb0 + sb * 8 + j;
                int xq = b * 32;
                int qs = wb + 48 + 32 * (j / 2);
                int shift = 4 * (j % 2);
                int isum = 0;
                for (int k = 0; k < 32; k++) {
                    int n = (((w[qs + k] & 0xff) >>> shift) & 0x0f) | ((((w[wb + 16 + k] & 0xff) >>> j) & 1) << 4);
                    isum += n * q[xq + k];
                }
                int sc = KQuantScales.scale(w, wb + 4, j);
                int m = KQuantScales.min(w, wb + 4, j);
                acc[j] = Math.fma(dw * d[b], (float) (sc * isum), acc[j]);
                acc[j] = Math.fma(-(dmin * d[b]), (float) (m * s[b]), acc[j]);
            }
        }
    }
}
