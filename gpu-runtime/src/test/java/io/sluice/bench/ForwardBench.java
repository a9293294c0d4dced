package io.sluice.bench;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.model.ForwardBatch;
import io.sluice.model.LlamaModel;
import java.nio.file.Path;

/**
 * A quick, engine-free measurement of the forward pass: prefill of P tokens in one step and single-sequence
 * decode, plus batched decode of B sequences. Usage: ForwardBench MODEL [P] [DECODE_STEPS] [B].
 * (The user-facing benchmark is {@code sluice bench}; this isolates the model from the scheduler.)
 */
public final class ForwardBench {
    public static void main(String[] args) {
        Path path = Path.of(args[0]);
        int prompt = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int batchSeqs = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        try (LlamaModel model = LlamaModel.load(path)) {
            int blockSize = 16;
            int perSeq = (prompt + steps + blockSize) / blockSize + 1;
            int seqs = Math.max(1, batchSeqs);
            KvCacheStorage kv = model.newKvStorage(perSeq * seqs, blockSize, KvType.F32);
            int[][] tables = new int[seqs][perSeq];
            for (int s = 0; s < seqs; s++) {
                for (int i = 0; i < perSeq; i++) {
                    tables[s][i] = s * perSeq + i;
                }
            }
            for (int round = 0; round < 2; round++) {
                ForwardBatch batch = new ForwardBatch();
                for (int i = 0; i < prompt; i++) {
                    batch.add((i * 31) % model.config().vocabSize(), i, tables[0], i == prompt - 1);
                }
                long t0 = System.nanoTime();
                model.forward(batch, kv);
                long t1 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    batch.clear();
                    batch.add(7, prompt + s, tables[0], true);
                    model.forward(batch, kv);
                }
                long t2 = System.nanoTime();
                double prefill = prompt / ((t1 - t0) / 1e9);
                double decode = steps / ((t2 - t1) / 1e9);
                System.out.printf("round %d: prefill %.1f tok/s, decode(1) %.1f tok/s = %.2f GB/s of weights%n",
                        round, prefill, decode, decode * model.weightBytes() / 1e9);
                // Batched decode: seqs sequences each one token per step, positions after the prompt.
                long t3 = System.nanoTime();
                for (int s = 0; s < steps / 4; s++) {
                    batch.clear();
                    for (int q = 0; q < seqs; q++) {
                        batch.add(9, prompt + s, tables[q], true);
                    }
                    model.forward(batch, kv);
                }
                long t4 = System.nanoTime();
                System.out.printf("round %d: decode(%d) %.1f tok/s aggregate%n", round, seqs,
                        seqs * (steps / 4) / ((t4 - t3) / 1e9));
            }
        }
    }
}
