package io.sluice.sampling;

/**
 * Working memory for sampling one row of logits: reused across rows and sequences by the thread that
 * samples, so that sampling allocates nothing per token. Not thread-safe; one per sampling thread.
 */
public final class SamplingScratch {

    float[] logits = new float[0];
    long[] keys = new long[0];
    double[] weights = new double[0];

    void ensure(int vocabSize) {
        if (logits.length < vocabSize) {
            logits = new float[vocabSize];
            keys = new long[vocabSize];
            weights = new double[vocabSize];
        }
    }
}
