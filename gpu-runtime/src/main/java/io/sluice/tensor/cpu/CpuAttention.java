package io.sluice.tensor.cpu;

import io.sluice.kv.HostKvCacheStorage;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.IntRangeBody;
import io.sluice.tensor.Parallel;
import io.sluice.tensor.StepPlan;
import java.util.Arrays;

/**
 * Causal attention of every row of a step over its own sequence in the host KV cache: scores, {@link Softmax},
 * weighted values. One task per (row, head), split over the cores by work; on the calling thread alone when the
 * whole step's attention is smaller than a hand-off is worth. Each row's result depends on its own sequence only,
 * computed in one fixed order, so rows are batch-invariant.
 */
final class CpuAttention implements IntRangeBody {
    /** Per-thread attention scores, grown to the longest sequence seen: a step allocates none. */
    private static final ThreadLocal<float[][]> SCORES = ThreadLocal.withInitial(() -> new float[][] {new float[64]});
    /** Each calling thread's reusable body (a nested call on the same thread makes a fresh one). */
    private static final ThreadLocal<CpuAttention> BODIES = ThreadLocal.withInitial(CpuAttention::new);

    private int[] bounds = new int[2];
    private HostKvCacheStorage host;
    private int layer;
    private StepPlan plan;
    private float[] qd;
    private float[] att;
    private int heads;
    private int headDim;
    private int group;
    private int qDim;
    private float scale;
    private boolean busy;

    private CpuAttention() {
    }

    /** Attention of every row of {@code plan}: queries {@code qd}, results into {@code att} (same layout). */
    static void run(HostKvCacheStorage kv, int layer, StepPlan plan, float[] qd, AttentionShape shape, float[] att) {
        int n = plan.size();
        long work = 0;
        for (int r = 0; r < n; r++) {
            work += 2L * (plan.position(r) + 1) * shape.qDim(); // scores and values, every head
        }
        CpuAttention cached = BODIES.get();
        CpuAttention body = cached.busy ? new CpuAttention() : cached;
        body.set(kv, layer, plan, qd, shape, att);
        int tasks = n * shape.heads();
        int parts = work < CpuCompute.PARALLEL_THRESHOLD ? 1
                : Math.min(tasks, Parallel.threads() * CpuCompute.CHUNKS_PER_THREAD);
        body.balance(parts);
        try {
            Parallel.forRange(parts, parts, body);
        } finally {
            body.clear();
        }
    }

    private void set(HostKvCacheStorage host, int layer, StepPlan plan, float[] qd, AttentionShape shape,
            float[] att) {
        this.host = host;
        this.layer = layer;
        this.plan = plan;
        this.qd = qd;
        this.att = att;
        this.heads = shape.heads();
        this.headDim = shape.headDim();
        this.group = shape.group();
        this.qDim = shape.qDim();
        this.scale = shape.scale();
        this.busy = true;
    }

    private void clear() {
        host = null;
        plan = null;
        qd = null;
        att = null;
        busy = false;
    }

    /**
     * Splits the tasks (task = row * heads + head) into {@code parts} runs of nearly equal work, part c being
     * tasks {@code [bounds[c], bounds[c + 1])}: a task's cost grows with its row's position, so that equal task
     * counts would leave a prompt's last rows (or a long sequence's decode row beside short ones) to one thread.
     */
    private void balance(int parts) {
        if (bounds.length < parts + 1) {
            bounds = new int[Math.max(parts + 1, 2 * bounds.length)];
        }
        int n = plan.size();
        long total = 0;
        for (int r = 0; r < n; r++) {
            total += (long) heads * (plan.position(r) + 1);
        }
        bounds[0] = 0;
        int c = 1;
        long done = 0;
        int tasks = n * heads;
        for (int task = 0; task < tasks && c < parts; task++) {
            // part c starts at the first task whose preceding work reaches c / parts of the total
            while (c < parts && done * parts >= total * c) {
                bounds[c++] = task;
            }
            done += plan.position(task / heads) + 1;
        }
        while (c <= parts) {
            bounds[c++] = tasks;
        }
    }

    @Override
    public void run(int p0, int p1) {
        runTasks(bounds[p0], bounds[p1]);
    }

    private void runTasks(int start, int end) {
        int blockSize = host.blockSize();
        float[][] cached = SCORES.get();
        float[] scores = cached[0];
        for (int task = start; task < end; task++) {
            int r = task / heads;
            int h = task % heads;
            int p = plan.position(r);
            int[] table = plan.blockTable(r);
            int qOffset = r * qDim + h * headDim;
            int kvOffset = (h / group) * headDim;
            if (scores.length < p + 1) {
                scores = new float[Math.max(p + 1, 2 * scores.length)];
                cached[0] = scores;
            }
            // Scores and values a block at a time: slots within a block are consecutive.
            for (int t0 = 0; t0 <= p; t0 += blockSize) {
                int count = Math.min(blockSize, p + 1 - t0);
                host.dotKeys(layer, table[t0 / blockSize] * blockSize, count, kvOffset, qd, qOffset, headDim,
                        scores, t0);
            }
            Softmax.scaled(scores, p + 1, scale);
            Arrays.fill(att, qOffset, qOffset + headDim, 0f);
            for (int t0 = 0; t0 <= p; t0 += blockSize) {
                int count = Math.min(blockSize, p + 1 - t0);
                host.addValues(layer, table[t0 / blockSize] * blockSize, count, kvOffset, scores, t0, att,
                        qOffset, headDim);
            }
        }
    }
}
