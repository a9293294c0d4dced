package io.sluice.tensor.cpu.vector;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.HalfFloat;
import io.sluice.tensor.cpu.Int8Kernel;
import io.sluice.tensor.cpu.KQuantScales;
import io.sluice.tensor.cpu.LaneSum;
import io.sluice.tensor.cpu.LittleEndian;
import io.sluice.tensor.cpu.Q8Activations;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link Int8Kernel} on the Java Vector API, for machines without the native library: each weight row is
 * unpacked once into its integer values (vector shifts and masks, widened to 32 bits), then every block's
 * integer sum with each activation row is a vector multiply-add and one lane reduction. The integer sums are
 * exact, so their order is free; the floats follow the {@link Int8Kernel} order exactly, as in
 * {@link io.sluice.tensor.cpu.ScalarInt8Kernel}: the same bits. Loaded by name only when the incubator module
 * is present.
 */
public final class VectorInt8Kernel implements Int8Kernel {
    private static final int L8 = LaneSum.LANES;
    /** 16 int lanes where the CPU has 512-bit vectors, else 8. */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.length() >= 16
            ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** Bytes with as many lanes as {@link #I}, widened to it. */
    private static final VectorSpecies<Byte> B = I.length() == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final int N = I.length();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    public VectorInt8Kernel() {
        if (IntVector.SPECIES_PREFERRED.length() < 8) {
            throw new UnsupportedOperationException("the CPU has no 256-bit vectors (preferred species "
                    + IntVector.SPECIES_PREFERRED + ")");
        }
    }

    @Override
    public String name() {
        return "java-vector";
    }

    @Override
    public void matmul(GgmlType type, ByteBuffer weights, int rowBytes, int rowStart, int rowEnd, Q8Activations x,
            float[] out, int outStride, int outOffset) {
        int cols = x.cols();
        int n = x.rows();
        int blocks = cols / 32;
        Scratch s = SCRATCH.get().fit(rowBytes, n, cols);
        byte[] q = x.quants();
        int[] xi = s.xi;
        for (int k = 0; k < n * cols; k += N) {
            load(q, k).intoArray(xi, k);
        }
        float[] dx = x.scales();
        int[] sx = x.sums();
        float[] acc = s.acc;
        for (int r = rowStart; r < rowEnd; r++) {
            weights.get(r * rowBytes, s.row, 0, rowBytes);
            unpack(type, s, blocks);
            for (int i = 0; i < n; i++) {
                java.util.Arrays.fill(acc, 0f);
                int xb = i * blocks;
                for (int b = 0; b < blocks; b++) {
                    int lane = b % L8;
                    float d = dx[xb + b];
                    int at = b * 32;
                    int xat = i * cols + at;
                    if (type == GgmlType.Q6_K) {
                        int lo = halfSum(s.w, at, xi, xat);
                        int hi = halfSum(s.w, at + 16, xi, xat + 16);
                        acc[lane] = Math.fma(s.d[b] * d, (float) (s.sc[b] * lo + s.hi[b] * hi), acc[lane]);
                        continue;
                    }
                    int isum = blockSum(s.w, at, xi, xat);
                    switch (type) {
                        case Q4_K:
                        case Q5_K:
                            acc[lane] = Math.fma(s.d[b] * d, (float) (s.sc[b] * isum), acc[lane]);
                            acc[lane] = Math.fma(-(s.m[b] * d), (float) (s.hi[b] * sx[xb + b]), acc[lane]);
                            break;
                        case Q5_1:
                            acc[lane] = Math.fma(s.d[b] * d, (float) isum, acc[lane]);
                            acc[lane] = Math.fma(s.m[b] * d, (float) sx[xb + b], acc[lane]);
                            break;
                        default:
                            acc[lane] = Math.fma(s.d[b] * d, (float) isum, acc[lane]);
                            break;
                    }
                }
                out[i * outStride + outOffset + r] = LaneSum.sum(acc, 0);
            }
        }
    }

    /** Σ w[at + k] · x[xat + k] over the 32 elements of a block. */
    private static int blockSum(int[] w, int at, int[] x, int xat) {
        IntVector sum = IntVector.fromArray(I, w, at).mul(IntVector.fromArray(I, x, xat));
        for (int c = N; c < 32; c += N) {
            sum = sum.add(IntVector.fromArray(I, w, at + c).mul(IntVector.fromArray(I, x, xat + c)));
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** The same over 16 elements. */
    private static int halfSum(int[] w, int at, int[] x, int xat) {
        IntVector sum = IntVector.fromArray(I, w, at).mul(IntVector.fromArray(I, x, xat));
        for (int c = N; c < 16; c += N) {
            sum = sum.add(IntVector.fromArray(I, w, at + c).mul(IntVector.fromArray(I, x, xat + c)));
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * The row in {@code s.row} as integer values in {@code s.w} and per-block factors: {@code d} (the scale),
     * {@code m} (Q5_1's offset, the K-quants' dmin), {@code sc} (sub-block scale; Q6_K's low half) and
     * {@code hi} (K-quant min; Q6_K's high-half scale).
     */
    private static void unpack(GgmlType type, Scratch s, int blocks) {
        byte[] row = s.row;
        int[] w = s.w;
        switch (type) {
            case Q8_0:
                for (int b = 0; b < blocks; b++) {
                    s.d[b] = HalfFloat.read(row, b * 34);
                    for (int c = 0; c < 32; c += N) {
                        load(row, b * 34 + 2 + c).intoArray(w, b * 32 + c);
                    }
                }
                break;
            case Q4_0:
                for (int b = 0; b < blocks; b++) {
                    s.d[b] = HalfFloat.read(row, b * 18);
                    for (int c = 0; c < 16; c += N) {
                        IntVector p = load(row, b * 18 + 2 + c);
                        p.and(0x0f).sub(8).intoArray(w, b * 32 + c);
                        p.lanewise(VectorOperators.LSHR, 4).and(0x0f).sub(8).intoArray(w, b * 32 + 16 + c);
                    }
                }
                break;
            case Q5_0:
            case Q5_1: {
                boolean one = type == GgmlType.Q5_1;
                int bb = one ? 24 : 22;
                int qhAt = one ? 4 : 2;
                IntVector iota = IntVector.zero(I).addIndex(1);
                for (int b = 0; b < blocks; b++) {
                    int at = b * bb;
                    s.d[b] = HalfFloat.read(row, at);
                    s.m[b] = one ? HalfFloat.read(row, at + 2) : 0f;
                    IntVector qh = IntVector.broadcast(I, LittleEndian.int32(row, at + qhAt));
                    int offset = one ? 0 : 16;
                    for (int c = 0; c < 16; c += N) {
                        IntVector p = load(row, at + qhAt + 4 + c);
                        IntVector lowBits = fifthBits(qh, iota.add(c));
                        IntVector highBits = fifthBits(qh, iota.add(16 + c));
                        p.and(0x0f).or(lowBits).sub(offset).intoArray(w, b * 32 + c);
                        p.lanewise(VectorOperators.LSHR, 4).and(0x0f).or(highBits).sub(offset)
                                .intoArray(w, b * 32 + 16 + c);
                    }
                }
                break;
            }
            case Q4_K:
            case Q5_K: {
                boolean five = type == GgmlType.Q5_K;
                int sbBytes = five ? 176 : 144;
                int qsAt = five ? 48 : 16;
                for (int sb = 0; sb < blocks / 8; sb++) {
                    int at = sb * sbBytes;
                    float d = HalfFloat.read(row, at);
                    float dmin = HalfFloat.read(row, at + 2);
                    for (int j = 0; j < 8; j++) {
                        int b = sb * 8 + j;
                        s.d[b] = d;
                        s.m[b] = dmin;
                        s.sc[b] = KQuantScales.scale(row, at + 4, j);
                        s.hi[b] = KQuantScales.min(row, at + 4, j);
                        int qs = at + qsAt + 32 * (j / 2);
                        for (int c = 0; c < 32; c += N) {
                            IntVector nib = load(row, qs + c).lanewise(VectorOperators.LSHR, 4 * (j % 2)).and(0x0f);
                            if (five) {
                                nib = nib.or(load(row, at + 16 + c).lanewise(VectorOperators.LSHR, j).and(1)
                                        .lanewise(VectorOperators.LSHL, 4));
                            }
                            nib.intoArray(w, b * 32 + c);
                        }
                    }
                }
                break;
            }
            case Q6_K:
                for (int sb = 0; sb < blocks / 8; sb++) {
                    int at = sb * 210;
                    float d = HalfFloat.read(row, at + 208);
                    for (int j = 0; j < 8; j++) {
                        int b = sb * 8 + j;
                        int half = j / 4;
                        int quarter = j % 4;
                        int ql = at + 64 * half + 32 * (quarter % 2);
                        int qh = at + 128 + 32 * half;
                        s.d[b] = d;
                        s.sc[b] = row[at + 192 + 2 * j];
                        s.hi[b] = row[at + 192 + 2 * j + 1];
                        for (int c = 0; c < 32; c += N) {
                            IntVector lo = load(row, ql + c).lanewise(VectorOperators.LSHR, 4 * (quarter / 2)).and(0x0f);
                            IntVector hi = load(row, qh + c).lanewise(VectorOperators.LSHR, 2 * quarter).and(3)
                                    .lanewise(VectorOperators.LSHL, 4);
                            lo.or(hi).sub(32).intoArray(w, b * 32 + c);
                        }
                    }
                }
                break;
            default:
                throw new IllegalArgumentException("no 8-bit activation product for " + type);
        }
    }

    /**
     * {@link #I}'s lane count of bytes at {@code src[at]}, sign-extended to ints. Bit fields are cut out after
     * widening: int shifts are single instructions, byte shifts are not.
     */
    private static IntVector load(byte[] src, int at) {
        return (IntVector) ByteVector.fromArray(B, src, at).convertShape(VectorOperators.B2I, I, 0);
    }

    /** 16 where bit e of {@code qh} is set, e the lane's element index, else 0. */
    private static IntVector fifthBits(IntVector qh, IntVector element) {
        return qh.lanewise(VectorOperators.LSHR, element).and(1).lanewise(VectorOperators.LSHL, 4);
    }

    /** Per-thread buffers, grown and reused. */
    private static final class Scratch {
        byte[] row = new byte[0];
        int[] w = new int[0];
        int[] xi = new int[0];
        float[] d = new float[0];
        float[] m = new float[0];
        int[] sc = new int[0];
        int[] hi = new int[0];
        final float[] acc = new float[L8];

        Scratch fit(int rowBytes, int n, int cols) {
            if (row.length < rowBytes) {
                row = new byte[rowBytes];
            }
            if (w.length < cols) {
                w = new int[cols];
                int blocks = cols / 32;
                d = new float[blocks];
                m = new float[blocks];
                sc = new int[blocks];
                hi = new int[blocks];
            }
            if (xi.length < n * cols) {
                xi = new int[n * cols];
            }
            return this;
        }
    }
}
