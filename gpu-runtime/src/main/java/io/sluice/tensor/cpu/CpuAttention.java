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
 * computed in one fixed order, so rows are batch-invariant. F32 and F16 caches go to {@link NativeAttention} where
 * it is available (same bits), one call per part.
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
    /** For the native path: the layer's key and value arrays (null: Java path), and the rows packed for C. */
    private Object keys;
    private Object values;
    private int[] rows = new int[32];
    private int[] tables = new int[64];
    private int longest;

    private CpuAttention() {
    }

    /** Attention of every row of {@code plan}: queries {@code qd}, results into {@code att} (same layout). */
    static void run(HostKvCacheStorage kv, int layer, StepPlan plan, float[] qd, AttentionShape shape, float[] att) {
        run(kv, layer, plan, qd, shape, att, true);
    }

    /** {@link #run}; the Java path alone unless {@code allowNative} (tests compare the two). */
    static void run(HostKvCacheStorage kv, int layer, StepPlan plan, float[] qd, AttentionShape shape, float[] att,
            boolean allowNative) {
        int n = plan.size();
        long work = 0;
        for (int r = 0; r < n; r++) {
            work += 2L * (plan.position(r) + 1) * shape.qDim(); // scores and values, every head
        }
        CpuAttention cached = BODIES.get();
        CpuAttention body = cached.busy ? new CpuAttention() : cached;
        body.set(kv, layer, plan, qd, shape, att);
        int tasks = n * shape.heads();
        if (allowNative && NativeAttention.available()) {
            body.packForNative();
        }
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

    /**
     * Takes the native path where the storage is one float or half-float array per layer: positions and block
     * tables into {@link #rows} and {@link #tables}.
     */
    private void packForNative() {
        Object k = host.layerKeys(layer);
        if (!(k instanceof float[] || k instanceof short[])) {
            return;
        }
        int n = plan.size();
        int blockSize = host.blockSize();
        if (rows.length < 2 * n) {
            rows = new int[Math.max(2 * n, 2 * rows.length)];
        }
        // A prompt's rows share one block table: consecutive rows with the same table share one copy of it.
        int total = 0;
        for (int r = 0; r < n; r = nextTable(r, n)) {
            total += runBlocks(r, nextTable(r, n), blockSize);
        }
        if (tables.length < total) {
            tables = new int[Math.max(total, 2 * tables.length)];
        }
        int at = 0;
        longest = 0;
        for (int r = 0; r < n; ) {
            int next = nextTable(r, n);
            int blocks = runBlocks(r, next, blockSize);
            System.arraycopy(plan.blockTable(r), 0, tables, at, blocks);
            for (int i = r; i < next; i++) {
                rows[2 * i] = plan.position(i);
                rows[2 * i + 1] = at;
                longest = Math.max(longest, plan.position(i) + 1);
            }
            at += blocks;
            r = next;
        }
        keys = k;
        values = host.layerValues(layer);
    }

    /** The first row after {@code r} whose block table is another array. */
    private int nextTable(int r, int n) {
        int next = r + 1;
        while (next < n && plan.blockTable(next) == plan.blockTable(r)) {
            next++;
        }
        return next;
    }

    /** The blocks rows {@code [from, to)} (one table) reach. */
    private int runBlocks(int from, int to, int blockSize) {
        int blocks = 0;
        for (int i = from; i < to; i++) {
            blocks = Math.max(blocks, plan.position(i) / blockSize + 1);
        }
        return blocks;
    }

    private void clear() {
        keys = null;
        values = null;
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
        if (keys != null) {
            // the native kernel takes a row's heads of the part together: scores of all of them
            if (scores.length < heads * longest) {
                scores = new float[Math.max(heads * longest, 2 * scores.length)];
                cached[0] = scores;
            }
            NativeAttention.attend0(keys, values, keys instanceof short[], host.kvDim(), blockSize, rows, tables, qd,
                    att, heads, headDim, group, qDim, scale, start, end, scores);
            return;
        }
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
