package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every {@link ElementKernel} (scalar Java, Vector API) gives the scalar definition's bits for SwiGLU, the
 * softmax and the 8-bit quantization, at lengths on and off the vector lanes and with awkward values (zeros of
 * both signs, huge and tiny magnitudes, infinities); the scalar definitions themselves are checked against their
 * meaning (a double softmax, the class comment's rounding of {@link Q8Activations}), so that no path agrees with the
 * others on a wrong formula. ScalarFallbackTest repeats the comparison across JVMs with and without the Vector API.
 */
class ElementKernelConformanceTest {
    private static final ElementKernel SCALAR = ElementKernels.scalar();

    private static List<ElementKernel> kernels() {
        List<ElementKernel> list = new ArrayList<>();
        list.add(SCALAR);
        list.add(ElementKernels.vector().orElseThrow());
        return list;
    }

    /** Gaussian values of mixed scales with special values sprinkled in. */
    private static float[] awkward(Random r, int n, float scale) {
        float[] a = new float[n];
        float[] special = {0f, -0f, 1e-40f, -3e-39f, 1e30f, -1e30f, 88.7f, -88.7f, 104f, -120f, 20f, -20f};
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(16);
            a[i] = pick < special.length && r.nextInt(4) == 0 ? special[pick]
                    : (float) r.nextGaussian() * scale * (r.nextInt(8) == 0 ? 30f : 1f);
        }
        return a;
    }

    private static void assertSameBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                        what + " at " + i + ": " + want[i] + " against " + got[i]);
            }
        }
    }

    @Test
    void swiGluGivesTheScalarBits() {
        Random r = new Random(1);
        for (int len : new int[] {1, 7, 8, 9, 31, 64, 100, 1023, 1024, 1025, 2500}) {
            float[] g = awkward(r, len + 6, 4f);
            g[0] = Float.NaN;
            g[1] = Float.POSITIVE_INFINITY;
            g[2] = Float.NEGATIVE_INFINITY;
            float[] u = awkward(r, len + 6, 1f);
            float[] want = g.clone();
            for (int k = 0; k < 3 + len; k++) {
                float v = g[k];
                want[k] = v / (1f + Exp.exp(-v)) * u[k];
            }
            for (ElementKernel k : kernels()) {
                float[] got = g.clone();
                k.swiGlu(got, u, 3, 3 + len);
                k.swiGlu(got, u, 0, 3);
                assertSameBits(want, got, k.name() + " swiGlu of " + len);
            }
        }
    }

    @Test
    void softmaxGivesTheScalarBitsAndTheSoftmax() {
        Random r = new Random(2);
        for (int len = 1; len <= 80; len++) {
            check(awkward(r, len + 3, 6f), len, 0.125f);
        }
        for (int len : new int[] {127, 128, 129, 1000, 4099}) {
            check(awkward(r, len + 3, 6f), len, 0.088f);
        }
        float[] zeros = new float[21];
        zeros[4] = -0f;
        check(zeros, 21, 0.5f);
        float[] withInfinity = awkward(r, 40, 3f);
        withInfinity[17] = Float.NEGATIVE_INFINITY;
        check(withInfinity, 40, 1f);
    }

    private static void check(float[] scores, int len, float scale) {
        // the definition: the class comment's order, written out
        float[] want = scores.clone();
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            want[t] *= scale;
            max = Math.max(max, want[t]);
        }
        float[] lanes = new float[LaneSum.LANES];
        int len8 = len - len % LaneSum.LANES;
        for (int t = 0; t < len; t++) {
            want[t] = Exp.exp(want[t] - max);
            if (t < len8) {
                lanes[t % LaneSum.LANES] += want[t];
            }
        }
        float sum = LaneSum.sum(lanes, 0);
        for (int t = len8; t < len; t++) {
            sum += want[t];
        }
        for (int t = 0; t < len; t++) {
            want[t] *= 1f / sum;
        }
        // and its meaning, in double
        double dmax = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            dmax = Math.max(dmax, (double) (scores[t] * scale));
        }
        double dsum = 0;
        for (int t = 0; t < len; t++) {
            dsum += Math.exp(scores[t] * scale - dmax);
        }
        for (int t = 0; t < len; t++) {
            double p = Math.exp(scores[t] * scale - dmax) / dsum;
            // a few float roundings, and that of the argument s − max, which exp turns into a relative error
            float argument = (float) (scores[t] * scale - dmax);
            double relative = 1e-6 + (Float.isFinite(argument) ? Math.ulp(argument) : 0);
            assertEquals(p, want[t], relative * p + 1e-30, "the definition's softmax at " + t + " of " + len);
        }
        for (ElementKernel k : kernels()) {
            float[] got = scores.clone();
            k.softmax(got, len, scale);
            assertSameBits(want, got, k.name() + " softmax of " + len);
        }
    }

    @Test
    void quantizationGivesTheScalarBitsAndTheDefinition() {
        Random r = new Random(3);
        int blocks = 45;
        float[] x = awkward(r, blocks * Q8Activations.BLOCK, 2f);
        Arrays.fill(x, 32, 64, 0f); // all zeros: scale 0
        Arrays.fill(x, 64, 96, -0f);
        x[100] = 1e-42f; // a block of one subnormal
        Arrays.fill(x, 101, 128, 0f);
        for (int k = 128; k < 160; k++) {
            x[k] = (k - 144) * 0.5f * 127f / 16f; // exact halves of the step: ties to even
        }
        byte[] wantQ = new byte[x.length];
        float[] wantD = new float[blocks];
        int[] wantSum = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            float amax = 0f;
            for (int k = 0; k < 32; k++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + k]));
            }
            wantD[b] = amax / 127f;
            float inv = wantD[b] != 0f ? 1f / wantD[b] : 0f;
            for (int k = 0; k < 32; k++) {
                int q = (int) Math.rint(x[b * 32 + k] * inv);
                assertTrue(q >= -127 && q <= 127);
                wantQ[b * 32 + k] = (byte) q;
                wantSum[b] += q;
            }
        }
        for (ElementKernel k : kernels()) {
            byte[] q = new byte[x.length + 32];
            float[] d = new float[blocks + 1];
            int[] sum = new int[blocks + 1];
            k.quantize(x, 0, 7, q, d, sum);
            k.quantize(x, 7, blocks, q, d, sum);
            assertEquals(Arrays.toString(wantQ), Arrays.toString(Arrays.copyOf(q, x.length)), k.name());
            assertSameBits(wantD, Arrays.copyOf(d, blocks), k.name() + " scales");
            assertEquals(Arrays.toString(wantSum), Arrays.toString(Arrays.copyOf(sum, blocks)), k.name());
        }
    }

    @Test
    void swiGluOfManyRowsSplitOverTheCoresGivesTheScalarBits() {
        Random r = new Random(6);
        int width = 200;
        int rows = CpuCompute.ELEMENTS_PARALLEL_THRESHOLD / width + 3;
        HeapBuffer gate = new HeapBuffer(rows + 1, width);
        HeapBuffer up = new HeapBuffer(rows + 1, width);
        System.arraycopy(awkward(r, rows * width, 4f), 0, gate.data(), 0, rows * width);
        System.arraycopy(awkward(r, rows * width, 1f), 0, up.data(), 0, rows * width);
        float[] want = gate.data().clone();
        SCALAR.swiGlu(want, up.data(), 0, rows * width);
        CpuCompute.INSTANCE.swiGlu(gate, up, rows);
        assertSameBits(want, gate.data(), "swiGlu of " + rows + " rows");
    }

    @Test
    void manyRowsSplitOverTheCoresQuantizeAsOneThreadDoes() {
        Random r = new Random(4);
        int cols = 96;
        int n = CpuCompute.ELEMENTS_PARALLEL_THRESHOLD / cols + 5;
        float[] x = awkward(r, n * cols, 1f);
        Q8Activations q8 = new Q8Activations();
        q8.quantize(x, n, cols);
        byte[] q = new byte[x.length];
        float[] d = new float[x.length / 32];
        int[] sum = new int[d.length];
        SCALAR.quantize(x, 0, d.length, q, d, sum);
        assertEquals(Arrays.toString(q), Arrays.toString(Arrays.copyOf(q8.quants(), x.length)));
        assertSameBits(d, Arrays.copyOf(q8.scales(), d.length), "scales");
        assertEquals(Arrays.toString(sum), Arrays.toString(Arrays.copyOf(q8.sums(), d.length)));
    }
}
