package io.sluice.tensor.cpu;

import io.sluice.kv.HostKvCacheStorage;
import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.Device;
import io.sluice.tensor.DeviceBuffer;
import io.sluice.tensor.DeviceMatrix;
import io.sluice.tensor.DeviceRope;
import io.sluice.tensor.DeviceVector;
import io.sluice.tensor.IntRangeBody;
import io.sluice.tensor.Parallel;
import io.sluice.tensor.RopeTable;
import io.sluice.tensor.StepPlan;
import io.sluice.tensor.StepRows;
import io.sluice.tensor.WeightTensor;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU backend: weights read in place from the memory map ({@link WeightTensor}), activations in heap
 * arrays ({@link HeapBuffer}), the KV cache in {@link HostKvCacheStorage}. Products and attention are split over
 * the cores with {@link Parallel}; element-wise operations run on the calling thread (they cost far less than a
 * hand-off), except SwiGLU and the quantization of activations ({@link ElementKernel}) over many rows. Every
 * operation keeps the fixed order of {@link FloatKernel}, so rows are batch-invariant.
 * {@code cpu:N} devices other than {@code cpu:0} are further instances over the same cores (see
 * {@link Device}): they compute alike and differ only in their memory accounting ({@link #bytesHeld}).
 */
public final class CpuCompute implements ComputeBackend {
    /** Shared by every CPU model: it holds no per-model or per-step state. */
    public static final CpuCompute INSTANCE = new CpuCompute(Device.CPU);

    private static final Map<Integer, CpuCompute> INSTANCES = new ConcurrentHashMap<>(Map.of(0, INSTANCE));

    /** Products smaller than this many multiply-adds run on the calling thread alone. */
    static final long PARALLEL_THRESHOLD = 1L << 15;
    /**
     * Element-wise work on fewer elements than this (SwiGLU, 8-bit quantization) runs on the calling thread alone:
     * a hand-off costs a few microseconds, these kernels about a nanosecond per element.
     */
    static final int ELEMENTS_PARALLEL_THRESHOLD = 1 << 15;
    /** Chunks per thread, so that a busy core delays a product less. */
    static final int CHUNKS_PER_THREAD = 4;

    /** The bodies of the parallel operations, reused by each calling thread: a step allocates none. */
    private static final ThreadLocal<Bodies> BODIES = ThreadLocal.withInitial(Bodies::new);

    private final Device device;
    /** Heap bytes of the vectors, KV caches and activation buffers allocated through this instance, not yet closed. */
    private final AtomicLong held = new AtomicLong();

    private CpuCompute(Device device) {
        this.device = device;
    }

    /** The instance of CPU device {@code device}, made on first use. */
    static CpuCompute of(Device device) {
        if (device.kind() != Device.Kind.CPU) {
            throw new IllegalArgumentException(device + " is not a CPU device");
        }
        return INSTANCES.computeIfAbsent(device.index(), i -> new CpuCompute(device));
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public String describe() {
        return device + ": " + Int8Kernels.active().name() + " (quantized weights), " + Backends.active().name()
                + " (float weights), " + Parallel.threads() + " threads";
    }

    @Override
    public DeviceMatrix matrix(WeightTensor host) {
        return host;
    }

    @Override
    public DeviceVector vector(float[] values) {
        long bytes = 4L * values.length;
        held.addAndGet(bytes);
        return new HeapVector(values.clone(), () -> held.addAndGet(-bytes));
    }

    @Override
    public DeviceRope rope(RopeTable table) {
        return () -> table;
    }

    @Override
    public KvCacheStorage allocateKv(int numBlocks, int blockSize, int layers, int kvDim, KvType type) {
        KvCacheStorage kv = KvCacheStorage.allocate(numBlocks, blockSize, layers, kvDim, type);
        long bytes = kv.bytes();
        held.addAndGet(bytes);
        kv.onClose(() -> held.addAndGet(-bytes));
        return kv;
    }

    @Override
    public DeviceBuffer allocate(int rows, int width) {
        long bytes = 4L * rows * width;
        held.addAndGet(bytes);
        return new HeapBuffer(rows, width, () -> held.addAndGet(-bytes));
    }

    /** Empty: the CPU's KV cache is sized from the heap by the engine's configuration. */
    @Override
    public OptionalLong memoryLeft() {
        return OptionalLong.empty();
    }

    @Override
    public OptionalInt kvBlocksThatFit(int blockSize, int layers, int kvDim, KvType type, long workspace) {
        return OptionalInt.empty();
    }

    @Override
    public long bytesHeld() {
        return held.get();
    }

    @Override
    public StepRows upload(StepPlan plan) {
        return plan;
    }

    @Override
    public void embed(DeviceMatrix table, StepRows rows, DeviceBuffer x) {
        StepPlan plan = (StepPlan) rows;
        WeightTensor t = (WeightTensor) table;
        float[] out = data(x);
        for (int r = 0; r < plan.size(); r++) {
            t.dequantizeRow(plan.token(r), out, r * t.cols());
        }
    }

    @Override
    public void rmsNorm(DeviceBuffer x, DeviceVector weight, float eps, int rows, DeviceBuffer out) {
        rmsNorm(data(x), data(out), ((HeapVector) weight).data(), rows, x.width(), eps);
    }

    /** y = x / rms(x) * weight, per row; the sum of squares in double, in index order. */
    static void rmsNorm(float[] x, float[] y, float[] weight, int rows, int dim, float eps) {
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) {
                float xi = x[base + i];
                ss += xi * xi;
            }
            float mean = (float) (ss / dim);
            float scale = 1f / (float) Math.sqrt(mean + eps);
            for (int i = 0; i < dim; i++) {
                y[base + i] = x[base + i] * scale * weight[i];
            }
        }
    }

    /**
     * All products in one parallel pass over the tiles of every weight: bit-identical per element to
     * {@link WeightTensor#matmul} (the split never changes an element's order of operations).
     */
    @Override
    public void matmul(DeviceMatrix[] ws, DeviceBuffer x, int n, DeviceBuffer[] outs) {
        int tileRows = WeightTensor.TILE_ROWS;
        Bodies bodies = BODIES.get();
        Products body = bodies.products.busy ? new Products() : bodies.products;
        int[] firstTile = body.firstTiles(ws.length + 1);
        long work = 0;
        boolean int8 = false;
        for (int j = 0; j < ws.length; j++) {
            WeightTensor w = (WeightTensor) ws[j];
            if (w.cols() != x.width()) {
                throw new IllegalArgumentException("a product of " + x.width() + "-wide activations with " + w);
            }
            if (w.rows() != outs[j].width() || n > outs[j].rows() || n > x.rows()) {
                throw new IndexOutOfBoundsException("buffers too small for " + n + " rows of " + w);
            }
            firstTile[j + 1] = firstTile[j] + (w.rows() + tileRows - 1) / tileRows;
            work += (long) w.rows() * w.cols() * n;
            int8 |= w.int8Activations();
        }
        float[] in = data(x);
        Q8Activations q8 = int8 ? ((HeapBuffer) x).quantize(n) : null;
        int tiles = firstTile[ws.length];
        body.set(ws, in, q8, n, outs);
        try {
            Parallel.forRange(tiles, chunks(work, tiles), body);
        } finally {
            body.clear();
        }
    }

    /** Tiles {@code [t0, t1)} of the concatenated tiles of several weights against the same activations. */
    private static final class Products implements IntRangeBody {
        private DeviceMatrix[] ws;
        private int[] firstTile = new int[4];
        private float[] in;
        private Q8Activations q8;
        private int n;
        private DeviceBuffer[] outs;
        private boolean busy;

        int[] firstTiles(int length) {
            if (firstTile.length < length) {
                firstTile = new int[length];
            }
            firstTile[0] = 0;
            return firstTile;
        }

        void set(DeviceMatrix[] ws, float[] in, Q8Activations q8, int n, DeviceBuffer[] outs) {
            this.ws = ws;
            this.in = in;
            this.q8 = q8;
            this.n = n;
            this.outs = outs;
            this.busy = true;
        }

        void clear() {
            ws = null;
            in = null;
            q8 = null;
            outs = null;
            busy = false;
        }

        @Override
        public void run(int t0, int t1) {
            int tileRows = WeightTensor.TILE_ROWS;
            for (int j = 0; j < ws.length; j++) {
                int from = Math.max(t0, firstTile[j]);
                int to = Math.min(t1, firstTile[j + 1]);
                if (from < to) {
                    product((WeightTensor) ws[j], in, q8, n, data(outs[j]), (from - firstTile[j]) * tileRows,
                            Math.min(((WeightTensor) ws[j]).rows(), (to - firstTile[j]) * tileRows));
                }
            }
        }
    }

    /** Tiles {@code [t0, t1)} of one weight. */
    private static final class Product implements IntRangeBody {
        private WeightTensor w;
        private float[] in;
        private Q8Activations q8;
        private int n;
        private float[] out;
        private boolean busy;

        void set(WeightTensor w, float[] in, Q8Activations q8, int n, float[] out) {
            this.w = w;
            this.in = in;
            this.q8 = q8;
            this.n = n;
            this.out = out;
            this.busy = true;
        }

        void clear() {
            w = null;
            in = null;
            q8 = null;
            out = null;
            busy = false;
        }

        @Override
        public void run(int t0, int t1) {
            product(w, in, q8, n, out, t0 * WeightTensor.TILE_ROWS, Math.min(w.rows(), t1 * WeightTensor.TILE_ROWS));
        }
    }

    /** Rows {@code [r0, r1)} of {@code w} against n activation rows, with 8-bit activations where the type takes them. */
    private static void product(WeightTensor w, float[] x, Q8Activations q8, int n, float[] out, int r0, int r1) {
        if (w.int8Activations()) {
            w.matmulInt8(q8, out, w.rows(), 0, r0, r1);
        } else {
            w.matmul(x, n, out, w.rows(), 0, r0, r1);
        }
    }

    /** How many chunks a product is split into: one below the threshold, else several per thread (balance). */
    private static int chunks(long work, int tiles) {
        return work < PARALLEL_THRESHOLD ? 1 : Math.min(tiles, Parallel.threads() * CHUNKS_PER_THREAD);
    }

    @Override
    public void matmul(DeviceMatrix w, DeviceBuffer x, int n, DeviceBuffer out) {
        WeightTensor t = (WeightTensor) w;
        if (t.cols() != x.width() || t.rows() != out.width() || n > out.rows() || n > x.rows()) {
            throw new IllegalArgumentException("a product of " + n + " x " + x.width() + " activations with " + t
                    + " into " + out.rows() + " x " + out.width());
        }
        int rows = t.rows();
        int tileRows = WeightTensor.TILE_ROWS;
        int tiles = (rows + tileRows - 1) / tileRows;
        float[] in = data(x);
        float[] o = data(out);
        Q8Activations q8 = t.int8Activations() ? ((HeapBuffer) x).quantize(n) : null;
        int chunks = chunks((long) rows * t.cols() * n, tiles);
        if (chunks <= 1) {
            product(t, in, q8, n, o, 0, rows);
            return;
        }
        Bodies bodies = BODIES.get();
        Product body = bodies.product.busy ? new Product() : bodies.product;
        body.set(t, in, q8, n, o);
        try {
            Parallel.forRange(tiles, chunks, body);
        } finally {
            body.clear();
        }
    }

    @Override
    public void addBias(DeviceBuffer x, DeviceVector bias, int rows) {
        float[] v = data(x);
        float[] b = ((HeapVector) bias).data();
        int d = b.length;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < d; i++) {
                v[r * d + i] += b[i];
            }
        }
    }

    @Override
    public void rope(DeviceRope rope, DeviceBuffer x, int heads, StepRows rows) {
        StepPlan plan = (StepPlan) rows;
        RopeTable table = rope.table();
        float[] v = data(x);
        for (int r = 0; r < plan.size(); r++) {
            table.apply(v, r * x.width(), heads, plan.position(r));
        }
    }

    @Override
    public void storeKv(KvCacheStorage kv, int layer, StepRows rows, DeviceBuffer k, DeviceBuffer v) {
        StepPlan plan = (StepPlan) rows;
        HostKvCacheStorage host = (HostKvCacheStorage) kv;
        float[] kd = data(k);
        float[] vd = data(v);
        int kvDim = k.width();
        for (int r = 0; r < plan.size(); r++) {
            host.write(layer, plan.slot(r), kd, r * kvDim, vd, r * kvDim);
        }
    }

    /** Causal attention of every row over its own sequence ({@link CpuAttention}). */
    @Override
    public void attention(KvCacheStorage kv, int layer, StepRows rows, DeviceBuffer q, AttentionShape shape,
            DeviceBuffer out) {
        CpuAttention.run((HostKvCacheStorage) kv, layer, (StepPlan) rows, data(q), shape, data(out));
    }

    /** One calling thread's reusable bodies (a nested call on the same thread makes fresh ones). */
    private static final class Bodies {
        final Products products = new Products();
        final Product product = new Product();
        final SwiGlu swiGlu = new SwiGlu();
    }

    @Override
    public void swiGlu(DeviceBuffer gate, DeviceBuffer up, int rows) {
        float[] g = data(gate);
        float[] u = data(up);
        int width = gate.width();
        if (rows < 2 || rows * width < ELEMENTS_PARALLEL_THRESHOLD) {
            ElementKernels.active().swiGlu(g, u, 0, rows * width);
            return;
        }
        Bodies bodies = BODIES.get();
        SwiGlu body = bodies.swiGlu.busy ? new SwiGlu() : bodies.swiGlu;
        body.set(g, u, width);
        try {
            Parallel.forRange(rows, Math.min(rows, Parallel.threads() * CHUNKS_PER_THREAD), body);
        } finally {
            body.clear();
        }
    }

    /** SwiGLU of rows {@code [r0, r1)}: each element alone, so the split changes no bit. */
    private static final class SwiGlu implements IntRangeBody {
        private float[] g;
        private float[] u;
        private int width;
        private boolean busy;

        void set(float[] g, float[] u, int width) {
            this.g = g;
            this.u = u;
            this.width = width;
            this.busy = true;
        }

        void clear() {
            g = null;
            u = null;
            busy = false;
        }

        @Override
        public void run(int r0, int r1) {
            ElementKernels.active().swiGlu(g, u, r0 * width, r1 * width);
        }
    }

    @Override
    public void add(DeviceBuffer x, DeviceBuffer y, int rows) {
        float[] a = data(x);
        float[] b = data(y);
        int len = rows * x.width();
        for (int i = 0; i < len; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public void gatherLogitRows(StepRows rows, DeviceBuffer x, DeviceBuffer out) {
        StepPlan plan = (StepPlan) rows;
        int dim = x.width();
        for (int j = 0; j < plan.logitRows(); j++) {
            System.arraycopy(data(x), plan.logitRow(j) * dim, data(out), j * dim, dim);
        }
    }

    @Override
    public void download(DeviceBuffer src, int rows, float[] dst) {
        System.arraycopy(data(src), 0, dst, 0, rows * src.width());
    }

    @Override
    public void upload(float[] src, int rows, DeviceBuffer dst) {
        if (rows > dst.rows()) {
            throw new IllegalArgumentException(rows + " rows do not fit a buffer of " + dst.rows());
        }
        System.arraycopy(src, 0, data(dst), 0, rows * dst.width());
    }

    static float[] data(DeviceBuffer b) {
        return ((HeapBuffer) b).data();
    }
}
