package io.sluice.model;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufWriter;
import io.sluice.testing.RandomWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Writes small random Llama-shaped GGUF models of any weight type for tests. */
final class TinyModels {

    static final int DIM = 256;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int FFN = 512;
    static final int VOCAB = 300;
    static final int LAYERS = 2;
    static final int CONTEXT = 96;

    private TinyModels() {
    }

    /**
     * Hyper-parameters away from llama.cpp's defaults (theta 10000, epsilon 1e-5, rotation of the whole head),
     * so that an engine that ignored the file's values would fail the reference tests.
     */
    static final float ROPE_THETA = 50000f;
    static final float RMS_EPS_LLAMA = 1e-3f;
    /** Qwen2's own epsilon. */
    static final float RMS_EPS_QWEN2 = 1e-6f;
    /** RoPE rotates half of each head (partial rotary dimensions). */
    static final int ROPE_DIMS = DIM / HEADS / 2;

    static Path write(Path dir, GgmlType type, Architecture arch, boolean ropeFreqs, long seed) throws IOException {
        return write(dir, type, arch, ropeFreqs, seed, w -> { });
    }

    /** As {@link #write(Path, GgmlType, Architecture, boolean, long)}; {@code tied}: no output.weight (the
     * embedding is the output projection). */
    static Path write(Path dir, GgmlType type, Architecture arch, boolean ropeFreqs, boolean tied, long seed)
            throws IOException {
        return write(dir, type, arch, ropeFreqs, tied, seed, w -> { });
    }

    /** As {@link #write(Path, GgmlType, Architecture, boolean, long)}, with {@code edit} applied last (hostile files). */
    static Path write(Path dir, GgmlType type, Architecture arch, boolean ropeFreqs, long seed,
            java.util.function.Consumer<GgufWriter> edit) throws IOException {
        return write(dir, type, arch, ropeFreqs, false, seed, edit);
    }

    private static Path write(Path dir, GgmlType type, Architecture arch, boolean ropeFreqs, boolean tied, long seed,
            java.util.function.Consumer<GgufWriter> edit) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        String a = arch.ggufName();
        int headDim = DIM / HEADS;
        int kvDim = KV_HEADS * headDim;
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", a)
                .putUInt32(a + ".embedding_length", DIM)
                .putUInt32(a + ".block_count", LAYERS)
                .putUInt32(a + ".feed_forward_length", FFN)
                .putUInt32(a + ".attention.head_count", HEADS)
                .putUInt32(a + ".attention.head_count_kv", KV_HEADS)
                .putUInt32(a + ".context_length", CONTEXT)
                .putUInt32(a + ".rope.dimension_count", ROPE_DIMS)
                .putFloat32(a + ".rope.freq_base", ROPE_THETA)
                .putFloat32(a + ".attention.layer_norm_rms_epsilon",
                        arch == Architecture.QWEN2 ? RMS_EPS_QWEN2 : RMS_EPS_LLAMA);
        matrix(w, "token_embd.weight", type, VOCAB, DIM, 1f, rnd);
        for (int l = 0; l < LAYERS; l++) {
            String p = "blk." + l + ".";
            vector(w, p + "attn_norm.weight", DIM, rnd);
            vector(w, p + "ffn_norm.weight", DIM, rnd);
            matrix(w, p + "attn_q.weight", type, DIM, DIM, 0.08f, rnd);
            matrix(w, p + "attn_k.weight", type, kvDim, DIM, 0.08f, rnd);
            matrix(w, p + "attn_v.weight", type, kvDim, DIM, 0.08f, rnd);
            matrix(w, p + "attn_output.weight", type, DIM, DIM, 0.06f, rnd);
            matrix(w, p + "ffn_gate.weight", type, FFN, DIM, 0.06f, rnd);
            matrix(w, p + "ffn_up.weight", type, FFN, DIM, 0.06f, rnd);
            matrix(w, p + "ffn_down.weight", type, DIM, FFN, 0.05f, rnd);
            if (arch.hasQkvBias()) {
                bias(w, p + "attn_q.bias", DIM, rnd);
                bias(w, p + "attn_k.bias", kvDim, rnd);
                bias(w, p + "attn_v.bias", kvDim, rnd);
            }
        }
        vector(w, "output_norm.weight", DIM, rnd);
        if (!tied) {
            matrix(w, "output.weight", type, VOCAB, DIM, 0.08f, rnd);
        }
        if (ropeFreqs) {
            float[] f = new float[ROPE_DIMS / 2];
            for (int i = 0; i < f.length; i++) {
                f[i] = 1f + i * 0.25f;
            }
            w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {f.length}, floats(f));
        }
        edit.accept(w);
        Path out = dir.resolve("tiny-" + a + "-" + type + (ropeFreqs ? "-freqs" : "") + (tied ? "-tied" : "") + ".gguf");
        w.write(out);
        return out;
    }

    private static void matrix(GgufWriter w, String name, GgmlType type, int rows, int cols, float scale,
            SplittableRandom rnd) {
        w.addTensor(name, type, new long[] {cols, rows}, RandomWeights.bytes(type, rows, cols, scale, rnd));
    }

    private static void vector(GgufWriter w, String name, int n, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.8f + 0.4f * rnd.nextFloat();
        }
        w.addTensor(name, GgmlType.F32, new long[] {n}, floats(v));
    }

    private static void bias(GgufWriter w, String name, int n, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.1f * (rnd.nextFloat() - 0.5f);
        }
        w.addTensor(name, GgmlType.F32, new long[] {n}, floats(v));
    }

    private static byte[] floats(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }
}
