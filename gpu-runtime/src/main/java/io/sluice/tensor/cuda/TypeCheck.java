package io.sluice.tensor.cuda;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.DeviceBuffer;
import io.sluice.tensor.DeviceMatrix;
import io.sluice.tensor.WeightTensor;
import io.sluice.tensor.cpu.Q8Activations;
import io.sluice.tensor.quant.Fp16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The GPU's matrix products of one weight type against the CPU backend and a float64 reference (the weights
 * dequantized exactly, products summed in double), and batch invariance on the GPU: each row of a batch of
 * {@link #BATCH} must equal, bit for bit, the same row computed alone. Quantized types on tensor cores must give
 * the CPU backend's integer products ({@code Int8Kernel}) bit for bit; float types stay within 1e-5 of the
 * float64 reference. Part of {@code sluice gpu-check}.
 */
public final class TypeCheck {

    static final int N = 384;
    static final int K = 1024;
    /** Over 32 rows with a partial tile: more than one block of the tensor-core product along the tokens. */
    static final int BATCH = 37;

    /**
     * One type's outcome. Errors are relative to {@code sum |w| |x|} of the output element (the scale of its
     * rounding error), maximised over the elements. {@code product} is the GPU kernel that ran (the CPU took its
     * 8-bit-activation product where the GPU took the integer one); {@code sameBitsAsCpu} whether every output had
     * the CPU's bits.
     */
    public record Result(GgmlType type, ProductKernel product, double gpuVsReference, double cpuVsReference,
            double gpuVsCpu, boolean sameBitsAsCpu, boolean batchInvariant) {
        /** Batch-invariant, and: the CPU's bits (integer products) or within 1e-5 of the float64 reference. */
        public boolean passed() {
            return batchInvariant
                    && (product == ProductKernel.INT8 ? sameBitsAsCpu : gpuVsReference <= 1e-5);
        }

        /** "the CPU's bits, batch-invariant", "rel. error 2.1e-07, NOT batch-invariant", ... */
        public String describe() {
            String accuracy = product == ProductKernel.INT8
                    ? (sameBitsAsCpu ? "the CPU's bits"
                            : String.format(Locale.ROOT, "NOT the CPU's bits (%.1e)", gpuVsCpu))
                    : String.format(Locale.ROOT, "rel. error %.1e", gpuVsReference);
            return accuracy + ", " + (batchInvariant ? "batch-invariant" : "NOT batch-invariant");
        }
    }

    private TypeCheck() {
    }

    /** Every type the kernels decode, in a stable order. */
    public static List<Result> runAll(CudaCompute gpu) {
        List<Result> out = new ArrayList<>();
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            out.add(run(gpu, t));
        }
        return out;
    }

    public static Result run(CudaCompute gpu, GgmlType type) {
        SplittableRandom random = new SplittableRandom(type.id() * 1_000_003L);
        WeightTensor w = WeightTensor.of(type, ByteBuffer.wrap(randomWeights(type, random)), N, K);
        float[] x = new float[BATCH * K];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        ProductKernel product = ProductKernel.of(type, K, gpu.tensorCores());
        boolean int8 = product == ProductKernel.INT8;
        float[] cpu = new float[BATCH * N];
        if (int8) {
            Q8Activations q8 = new Q8Activations();
            q8.quantize(x, BATCH, K);
            w.matmulInt8(q8, cpu, N, 0, 0, N);
        } else {
            w.matmul(x, BATCH, cpu, N, 0, 0, N);
        }
        float[] gpuBatch = new float[BATCH * N];
        float[] gpuAlone = new float[BATCH * N];
        DeviceMatrix dw = gpu.matrix(w);
        try (DeviceBuffer dx = gpu.allocate(BATCH, K); DeviceBuffer dy = gpu.allocate(BATCH, N);
                DeviceBuffer one = gpu.allocate(1, K); DeviceBuffer oneOut = gpu.allocate(1, N)) {
            gpu.write(dx, x, BATCH);
            gpu.matmul(dw, dx, BATCH, dy);
            gpu.download(dy, BATCH, gpuBatch);
            float[] row = new float[K];
            float[] rowOut = new float[N];
            for (int r = 0; r < BATCH; r++) {
                System.arraycopy(x, r * K, row, 0, K);
                gpu.write(one, row, 1);
                gpu.matmul(dw, one, 1, oneOut);
                gpu.download(oneOut, 1, rowOut);
                System.arraycopy(rowOut, 0, gpuAlone, r * N, N);
            }
        } finally {
            dw.close();
        }
        boolean invariant = true;
        boolean sameBits = true;
        for (int i = 0; i < gpuBatch.length; i++) {
            invariant &= Float.floatToRawIntBits(gpuBatch[i]) == Float.floatToRawIntBits(gpuAlone[i]);
            sameBits &= Float.floatToRawIntBits(gpuBatch[i]) == Float.floatToRawIntBits(cpu[i]);
        }
        double gpuRef = 0;
        double cpuRef = 0;
        double gpuCpu = 0;
        float[] wr = new float[K];
        for (int n = 0; n < N; n++) {
            w.dequantizeRow(n, wr, 0);
            for (int r = 0; r < BATCH; r++) {
                double[] reference = exactProduct(wr, x, r * K, K);
                double exact = reference[0];
                double scale = Math.max(reference[1], Double.MIN_NORMAL);
                int i = r * N + n;
                gpuRef = Math.max(gpuRef, Math.abs(gpuBatch[i] - exact) / scale);
                cpuRef = Math.max(cpuRef, Math.abs(cpu[i] - exact) / scale);
                gpuCpu = Math.max(gpuCpu, Math.abs(gpuBatch[i] - (double) cpu[i]) / scale);
            }
        }
        return new Result(type, product, gpuRef, cpuRef, gpuCpu, sameBits, invariant);
    }

    /**
     * {@code {sum w[i] x[xOffset + i], sum |w[i] x[xOffset + i]|}} over {@code k} values, in double: a product
     * exact to the float inputs, and the scale of a float product's rounding error.
     */
    static double[] exactProduct(float[] w, float[] x, int xOffset, int k) {
        double exact = 0;
        double scale = 0;
        for (int i = 0; i < k; i++) {
            double p = (double) w[i] * x[xOffset + i];
            exact += p;
            scale += Math.abs(p);
        }
        return new double[] {exact, scale};
    }

    /**
     * Random bytes of {@code N x K} weights of {@code type}, with every scale field set to a finite, moderate
     * fp16 value so that the products are well-conditioned (random scale bits would give infinities).
     */
    static byte[] randomWeights(GgmlType type, SplittableRandom random) {
        return randomWeights(type, N * K, random);
    }

    /** {@code count} random values of {@code type} (a multiple of its block), scales as above. */
    static byte[] randomWeights(GgmlType type, int count, SplittableRandom random) {
        byte[] b = new byte[(int) type.bytesFor(count)];
        ByteBuffer out = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    out.putFloat(4 * i, (float) random.nextGaussian() * 0.05f);
                }
                return b;
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(2 * i, Fp16.fromFloat((float) random.nextGaussian() * 0.05f));
                }
                return b;
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(2 * i, (short) (Float.floatToRawIntBits((float) random.nextGaussian() * 0.05f) >>> 16));
                }
                return b;
            }
            default -> {
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) random.nextInt(256);
                }
            }
        }
        int blockBytes = type.blockBytes();
        for (int at = 0; at < b.length; at += blockBytes) {
            switch (type) {
                case Q8_0, Q4_0, Q5_0 -> out.putShort(at, scale(random, 0.004f));
                case Q5_1 -> {
                    out.putShort(at, scale(random, 0.004f));
                    out.putShort(at + 2, scale(random, 0.02f));
                }
                case Q4_K, Q5_K -> {
                    out.putShort(at, scale(random, 0.0005f));
                    out.putShort(at + 2, scale(random, 0.0005f));
                }
                case Q6_K -> out.putShort(at + 208, scale(random, 0.0001f));
                default -> throw new IllegalArgumentException("no random weights for " + type);
            }
        }
        return b;
    }

    private static short scale(SplittableRandom random, float magnitude) {
        return Fp16.fromFloat((float) (magnitude * (0.5 + random.nextDouble())));
    }
}
