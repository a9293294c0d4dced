package io.sluice.model;

import io.sluice.gguf.GgufFile;
import io.sluice.tensor.WeightTensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * An independent, deliberately plain float64 implementation of the Llama forward pass for tests: one
 * sequence, contiguous KV cache, weights dequantized row by row (so quantized models are checked against
 * their own dequantized weights). Shares no code with {@link LlamaModel} beyond reading tensors.
 *
 * <p>Products on weights of the types whose engine kernels take 8-bit activations (Q8_0, Q4_0, Q5_0, Q5_1, Q4_K,
 * Q5_K, Q6_K) first
 * round the activation as that format defines it (per block of 32: scale max|x| / 127, values rounded to the
 * nearest integer), here in float64; everything else is exact.
 */
final class ReferenceLlama {

    private final Hyper c;
    private final double[][] embedding;
    private final double[][][] wq;
    private final double[][][] wk;
    private final double[][][] wv;
    private final double[][][] wo;
    private final double[][][] wGate;
    private final double[][][] wUp;
    private final double[][][] wDown;
    private final double[][] attnNorm;
    private final double[][] ffnNorm;
    private final double[][] bq;
    private final double[][] bk;
    private final double[][] bv;
    private final double[] outNorm;
    private final double[][] output;
    private final double[] freqFactors;
    /** Matrices whose products round their activations to 8 bits. */
    private final Set<double[][]> roundsActivations = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<double[][]> keys = new ArrayList<>();
    private final List<double[][]> values = new ArrayList<>();

    ReferenceLlama(GgufFile file) {
        Hyper cfg = Hyper.read(file.metadata());
        this.c = cfg;
        embedding = dense(file, "token_embd.weight");
        int L = cfg.layers();
        wq = new double[L][][];
        wk = new double[L][][];
        wv = new double[L][][];
        wo = new double[L][][];
        wGate = new double[L][][];
        wUp = new double[L][][];
        wDown = new double[L][][];
        attnNorm = new double[L][];
        ffnNorm = new double[L][];
        bq = new double[L][];
        bk = new double[L][];
        bv = new double[L][];
        for (int l = 0; l < L; l++) {
            String p = "blk." + l + ".";
            wq[l] = dense(file, p + "attn_q.weight");
            wk[l] = dense(file, p + "attn_k.weight");
            wv[l] = dense(file, p + "attn_v.weight");
            wo[l] = dense(file, p + "attn_output.weight");
            wGate[l] = dense(file, p + "ffn_gate.weight");
            wUp[l] = dense(file, p + "ffn_up.weight");
            wDown[l] = dense(file, p + "ffn_down.weight");
            attnNorm[l] = dense(file, p + "attn_norm.weight")[0];
            ffnNorm[l] = dense(file, p + "ffn_norm.weight")[0];
            if (file.findTensor(p + "attn_q.bias").isPresent()) {
                bq[l] = dense(file, p + "attn_q.bias")[0];
                bk[l] = dense(file, p + "attn_k.bias")[0];
                bv[l] = dense(file, p + "attn_v.bias")[0];
            }
            keys.add(new double[cfg.contextLength()][]);
            values.add(new double[cfg.contextLength()][]);
        }
        outNorm = dense(file, "output_norm.weight")[0];
        output = file.findTensor("output.weight").isPresent() ? dense(file, "output.weight") : embedding;
        freqFactors = file.findTensor("rope_freqs.weight").isPresent() ? dense(file, "rope_freqs.weight")[0] : null;
    }

    private double[][] dense(GgufFile file, String name) {
        var t = file.tensor(name);
        int cols = (int) t.shape()[0];
        int rows = (int) (t.elements() / cols);
        WeightTensor w = WeightTensor.of(t.type(), file.data(t), rows, cols);
        double[][] out = new double[rows][cols];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.dequantizeRow(r, row, 0);
            for (int i = 0; i < cols; i++) {
                out[r][i] = row[i];
            }
        }
        if (EIGHT_BIT_ACTIVATIONS.contains(t.type())) {
            roundsActivations.add(out);
        }
        return out;
    }

    /** Feeds the token at position {@code pos} (positions must come in order 0, 1, 2, ...); returns logits. */
    double[] step(int token, int pos) {
        double[] x = embedding[token].clone();
        int hd = c.headDim();
        int group = c.heads() / c.kvHeads();
        for (int l = 0; l < c.layers(); l++) {
            double[] xb = norm(x, attnNorm[l]);
            double[] q = mul(wq[l], xb, bq[l]);
            double[] k = mul(wk[l], xb, bk[l]);
            double[] v = mul(wv[l], xb, bv[l]);
            rope(q, c.heads(), pos);
            rope(k, c.kvHeads(), pos);
            keys.get(l)[pos] = k;
            values.get(l)[pos] = v;
            double[] att = new double[c.qDim()];
            for (int h = 0; h < c.heads(); h++) {
                int kvh = h / group;
                double[] s = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[h * hd + i] * keys.get(l)[t][kvh * hd + i];
                    }
                    s[t] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = 0; t <= pos; t++) {
                    s[t] = Math.exp(s[t] - max);
                    sum += s[t];
                }
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < hd; i++) {
                        att[h * hd + i] += s[t] / sum * values.get(l)[t][kvh * hd + i];
                    }
                }
            }
            add(x, mul(wo[l], att, null));
            double[] xf = norm(x, ffnNorm[l]);
            double[] g = mul(wGate[l], xf, null);
            double[] u = mul(wUp[l], xf, null);
            for (int i = 0; i < g.length; i++) {
                g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            }
            add(x, mul(wDown[l], g, null));
        }
        return mul(output, norm(x, outNorm), null);
    }

    private double[] norm(double[] x, double[] w) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + c.rmsEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * w[i];
        }
        return y;
    }

    private static final Set<io.sluice.gguf.GgmlType> EIGHT_BIT_ACTIVATIONS = Set.of(io.sluice.gguf.GgmlType.Q8_0,
            io.sluice.gguf.GgmlType.Q4_0, io.sluice.gguf.GgmlType.Q5_0, io.sluice.gguf.GgmlType.Q5_1,
            io.sluice.gguf.GgmlType.Q4_K, io.sluice.gguf.GgmlType.Q5_K, io.sluice.gguf.GgmlType.Q6_K);

    private double[] mul(double[][] w, double[] x, double[] bias) {
        if (roundsActivations.contains(w)) {
            x = roundTo8Bits(x);
        }
        double[] y = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double s = bias == null ? 0 : bias[r];
            for (int i = 0; i < x.length; i++) {
                s += w[r][i] * x[i];
            }
            y[r] = s;
        }
        return y;
    }

    private static double[] roundTo8Bits(double[] x) {
        double[] out = new double[x.length];
        for (int b = 0; b < x.length; b += 32) {
            double amax = 0;
            for (int i = b; i < b + 32; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
            }
            double d = amax / 127;
            for (int i = b; i < b + 32; i++) {
                out[i] = d == 0 ? 0 : Math.rint(x[i] / d) * d;
            }
        }
        return out;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    private void rope(double[] x, int heads, int pos) {
        int hd = c.headDim();
        int half = c.ropeDimensions() / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.pow(c.ropeTheta(), -2.0 * i / c.ropeDimensions());
                if (freqFactors != null) {
                    freq /= freqFactors[i];
                }
                double a = pos * freq;
                int i0;
                int i1;
                if (!c.halves()) {
                    i0 = h * hd + 2 * i;
                    i1 = i0 + 1;
                } else {
                    i0 = h * hd + i;
                    i1 = i0 + half;
                }
                double x0 = x[i0];
                double x1 = x[i1];
                x[i0] = x0 * Math.cos(a) - x1 * Math.sin(a);
                x[i1] = x0 * Math.sin(a) + x1 * Math.cos(a);
            }
        }
    }

    /**
     * The hyper-parameters, read here from the file's own metadata keys with llama.cpp's defaults rather than
     * through the engine's {@link ModelConfig}, so that an engine that ignored a key would disagree with this
     * reference. The rotation style follows from the architecture's name: Llama's GGUF files rotate adjacent
     * pairs, Qwen2 rotates halves.
     */
    private record Hyper(int layers, int heads, int kvHeads, int headDim, int contextLength, double ropeTheta,
            int ropeDimensions, double rmsEps, boolean halves) {
        static Hyper read(io.sluice.gguf.GgufMetadata md) {
            String arch = md.getString("general.architecture");
            if (!arch.equals("llama") && !arch.equals("qwen2")) {
                throw new IllegalArgumentException("the reference knows llama and qwen2, not " + arch);
            }
            String p = arch + ".";
            int dim = md.getInt(p + "embedding_length");
            int heads = md.getInt(p + "attention.head_count");
            int headDim = md.getInt(p + "attention.key_length", dim / heads);
            return new Hyper(md.getInt(p + "block_count"), heads, md.getInt(p + "attention.head_count_kv", heads),
                    headDim, md.getInt(p + "context_length"), md.getFloat(p + "rope.freq_base", 10000f),
                    md.getInt(p + "rope.dimension_count", headDim),
                    md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f), arch.equals("qwen2"));
        }

        int qDim() {
            return heads * headDim;
        }
    }
}
