package io.sluice.bench;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.gguf.GgufWriter;
import io.sluice.testing.RandomWeights;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * For benchmarks only: a model with the tensor types of a Q4_K_M file (Q4_K, with Q6_K for the output and for
 * attn_v / ffn_down of the layers llama.cpp gives more bits) and random well-formed weights, keeping the
 * metadata (tokenizer included) of IN. Speed does not depend on the weights' values.
 * Usage: RandomKQuantModel IN OUT.
 */
public final class RandomKQuantModel {
    public static void main(String[] args) throws Exception {
        SplittableRandom rnd = new SplittableRandom(1);
        try (GgufFile src = GgufFile.open(Path.of(args[0]))) {
            GgufWriter w = new GgufWriter().alignment(src.alignment()).putAll(src.metadata());
            int layers = (int) src.tensors().stream().filter(t -> t.name().endsWith("attn_q.weight")).count();
            for (GgufTensorInfo t : src.tensors()) {
                if (t.dims() < 2) {
                    w.addTensor(t.name(), t.type(), t.shape(), src.data(t));
                    continue;
                }
                GgmlType type = GgmlType.Q4_K;
                String n = t.name();
                if (n.equals("output.weight")) {
                    type = GgmlType.Q6_K;
                } else if (n.endsWith("attn_v.weight") || n.endsWith("ffn_down.weight")) {
                    int layer = Integer.parseInt(n.split("\\.")[1]);
                    boolean moreBits = layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
                    type = moreBits ? GgmlType.Q6_K : GgmlType.Q4_K;
                }
                w.addTensor(n, type, t.shape(), RandomWeights.bytes(type, t.rows(), t.cols(), 0.05f, rnd));
            }
            w.write(Path.of(args[1]));
        }
    }
}
