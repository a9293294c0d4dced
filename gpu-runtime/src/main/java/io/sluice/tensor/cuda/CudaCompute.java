package io.sluice.tensor.cuda;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import io.sluice.tensor.AttentionShape;
import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.Device;
import io.sluice.tensor.DeviceBuffer;
import io.sluice.tensor.DeviceMatrix;
import io.sluice.tensor.DeviceRope;
import io.sluice.tensor.DeviceVector;
import io.sluice.tensor.RopeTable;
import io.sluice.tensor.StepPlan;
import io.sluice.tensor.StepRows;
import io.sluice.tensor.WeightTensor;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA backend of one GPU: weights uploaded once in their GGUF encoding, the KV cache, activations and the
 * step's rows in device memory, every operation one launch of our kernels on the context's default stream (so
 * they run in graph order). Only {@link #upload} (the packed {@link StepUpload}) and {@link #download} (the
 * logits) cross the bus during a step. Every allocation is charged to a budget of
 * {@code gpu-memory-fraction} of the device; exceeding it is refused with a reason, never a driver crash, and
 * closing what was allocated (weights, KV cache, activations) gives it back. Shared by every model on this GPU
 * and every thread: each call binds the context to its thread first.
 */
public final class CudaCompute implements ComputeBackend {

    /**
     * Whether quantized and F16 weights multiply on tensor cores ({@link ProductKernel}; the default), or every
     * matrix on the float kernel ({@code -Dsluice.cuda.tensorCores=false}).
     */
    public static final boolean TENSOR_CORES = !"false".equalsIgnoreCase(System.getProperty("sluice.cuda.tensorCores"));

    private static final Logger LOG = LoggerFactory.getLogger(CudaCompute.class);

    private final CudaDevice gpu;
    private final long totalMemory;
    private final long freeAtOpen;
    private final double memoryFraction;
    private final long budget;
    private final AtomicLong used = new AtomicLong();
    /** Per calling thread: the device copy of its current step's rows (reused, grown as needed). */
    private final ThreadLocal<StepArena> arenas = ThreadLocal.withInitial(StepArena::new);
    /** Per calling thread: the 8-bit copy of the activations being multiplied (reused, grown as needed). */
    private final ThreadLocal<Scratch> q8Scratch = ThreadLocal.withInitial(Scratch::new);
    /** Per calling thread: the split halves of the activations being multiplied. */
    private final ThreadLocal<Scratch> halfScratch = ThreadLocal.withInitial(Scratch::new);

    /** Whether this GPU's products use tensor cores: {@link #TENSOR_CORES}, unless its check at open disagreed. */
    private volatile boolean tensorCores = TENSOR_CORES;
    private volatile String tensorCoreProblem;

    CudaCompute(CudaDevice gpu, double memoryFraction) {
        this.gpu = gpu;
        long[] info = gpu.memoryInfo();
        this.freeAtOpen = info[0];
        this.totalMemory = info[1];
        this.memoryFraction = memoryFraction;
        this.budget = DeviceMemoryPlan.budget(totalMemory, freeAtOpen, memoryFraction);
        if (tensorCores) {
            TensorCoreCheck.run(this).ifPresent(problem -> {
                tensorCores = false;
                tensorCoreProblem = problem;
                LOG.warn("GPU {}: tensor-core products disagree with the CPU backend ({}): using float products",
                        gpu.info().index(), problem);
            });
        }
    }

    /** Whether quantized and F16 products run on tensor cores on this GPU. */
    public boolean tensorCores() {
        return tensorCores;
    }

    /** Why this GPU's tensor cores are not used when its check at open failed; empty otherwise. */
    public Optional<String> tensorCoreProblem() {
        return Optional.ofNullable(tensorCoreProblem);
    }

    @Override
    public Device device() {
        return Device.cuda(gpu.info().index());
    }

    @Override
    public String describe() {
        return "cuda: " + gpu.info().describe() + ", budget " + DeviceMemoryPlan.gib(budget) + ", products " + (tensorCores
                ? "on tensor cores (quantized: int8, F16: split halves)" : "in float (tensor cores off)");
    }

    /** Bytes of the budget not yet allocated: what is left for KV blocks once weights and activations are in. */
    @Override
    public OptionalLong memoryLeft() {
        return OptionalLong.of(budget - used.get());
    }

    /**
     * How many KV blocks fit in the budget once {@code workspace} more bytes of activations are allocated, with
     * the weights already loaded ({@link DeviceMemoryPlan}): what an engine on this GPU sizes its cache from.
     *
     * @throws CudaUnavailableException when not even {@link DeviceMemoryPlan#MIN_KV_BLOCKS} fit
     */
    @Override
    public OptionalInt kvBlocksThatFit(int blockSize, int layers, int kvDim, KvType type, long workspace) {
        long blockBytes = DeviceMemoryPlan.kvBlockBytes(blockSize, layers, kvDim, type);
        return OptionalInt.of(DeviceMemoryPlan.plan(totalMemory, freeAtOpen, memoryFraction, used.get(), workspace,
                blockBytes).kvBlocks());
    }

    @Override
    public long bytesHeld() {
        return used.get();
    }

    CUdeviceptr reserve(long bytes) {
        long now = used.addAndGet(bytes);
        if (now > budget) {
            used.addAndGet(-bytes);
            throw new CudaUnavailableException("GPU " + gpu.info().index() + " memory budget exhausted: "
                    + DeviceMemoryPlan.gib(bytes) + " more than the " + DeviceMemoryPlan.gib(budget - now + bytes)
                    + " left of " + DeviceMemoryPlan.gib(budget));
        }
        try {
            gpu.makeCurrent();
            return gpu.allocate(bytes);
        } catch (RuntimeException e) {
            used.addAndGet(-bytes);
            throw e;
        }
    }

    void release(CUdeviceptr p, long bytes) {
        gpu.makeCurrent();
        gpu.free(p);
        used.addAndGet(-bytes);
    }

    // ---- load time ----

    @Override
    public DeviceMatrix matrix(WeightTensor host) {
        LaunchShapes.matmulKernel(host.type());   // refuses a type the kernels cannot decode
        ByteBuffer bytes = host.storage();
        if (!bytes.isDirect()) {
            // A read-only heap buffer (weights built in memory) has no array JCuda can reach: copy it off the heap.
            bytes = ByteBuffer.allocateDirect(bytes.remaining()).put(bytes.duplicate()).flip();
        }
        long size = bytes.remaining();
        CUdeviceptr p = reserve(size);
        gpu.upload(p, Pointer.to(bytes), size);
        return new CudaMatrix(this, host.type(), host.rows(), host.cols(), size / Math.max(host.rows(), 1), p, size);
    }

    @Override
    public DeviceVector vector(float[] values) {
        CUdeviceptr p = reserve(4L * values.length);
        gpu.upload(p, Pointer.to(values), 4L * values.length);
        return new CudaVector(this, values.length, p);
    }

    @Override
    public DeviceRope rope(RopeTable table) {
        LaunchShapes.rope(1, table.ropeDim(), 1);
        // Refused when the model loads rather than at its first step.
        if (table.headDim() > LaunchShapes.ATTENTION_MAX_HEAD) {
            throw new CudaUnavailableException("head dimension " + table.headDim() + " is beyond the CUDA attention"
                    + " kernel's " + LaunchShapes.ATTENTION_MAX_HEAD);
        }
        long tableBytes = 4L * table.cos().length;
        if (table.sin().length != table.cos().length) {
            throw new IllegalArgumentException("RoPE cos and sin tables differ in length");
        }
        CUdeviceptr tables = reserve(2 * tableBytes);
        gpu.upload(tables, Pointer.to(table.cos()), tableBytes);
        gpu.upload(tables.withByteOffset(tableBytes), Pointer.to(table.sin()), tableBytes);
        return new CudaRope(this, table, tables);
    }

    /** F32 (as the CPU backend's full-precision cache), F16, or 8-bit blocks with a scale per 32 values. */
    @Override
    public KvCacheStorage allocateKv(int numBlocks, int blockSize, int layers, int kvDim, KvType type) {
        long bytes = CudaKvCache.totalBytes(numBlocks, blockSize, layers, kvDim, type);
        return new CudaKvCache(this, numBlocks, blockSize, layers, kvDim, type, reserve(bytes));
    }

    @Override
    public DeviceBuffer allocate(int rows, int width) {
        if (rows <= 0 || width <= 0) {
            throw new IllegalArgumentException("buffer shape must be positive: " + rows + " x " + width);
        }
        return new CudaBuffer(this, rows, width, reserve(4L * rows * width));
    }

    // ---- per step ----

    @Override
    public StepRows upload(StepPlan plan) {
        StepArena arena = arenas.get();
        StepUpload packed = StepUpload.pack(plan, arena.host);
        arena.host = packed.ints();
        CUdeviceptr device = arena.device.ensure(4L * packed.length());
        gpu.makeCurrent();
        gpu.upload(device, Pointer.to(packed.ints()), 4L * packed.length());
        return new CudaStepRows(packed, device);
    }

    @Override
    public void embed(DeviceMatrix table, StepRows rows, DeviceBuffer x) {
        CudaMatrix t = (CudaMatrix) table;
        CudaStepRows r = (CudaStepRows) rows;
        launch(LaunchShapes.embedKernel(t.type()), LaunchShapes.embed(t.cols(), r.size()), new KernelArgs()
                .ptr(t.pointer()).i64(t.rowBytes()).ptr(r.tokens()).ptr(buf(x).pointer()).i32(t.cols()));
    }

    @Override
    public void rmsNorm(DeviceBuffer x, DeviceVector weight, float eps, int rows, DeviceBuffer out) {
        if (rows == 0) {
            return;
        }
        launch("rms_norm", LaunchShapes.rmsNorm(rows), new KernelArgs().ptr(buf(x).pointer()).ptr(buf(out).pointer())
                .ptr(((CudaVector) weight).pointer()).i32(x.width()).f32(eps));
    }

    /** Products sharing one input: its 8-bit copy or halves are made once for all the matrices that use them. */
    @Override
    public void matmul(DeviceMatrix[] ws, DeviceBuffer x, int rows, DeviceBuffer[] outs) {
        Q8Rows q8 = null;
        HalfRows halves = null;
        for (int j = 0; j < ws.length; j++) {
            CudaMatrix m = checkShapes(ws[j], x, outs[j]);
            if (rows == 0) {
                continue;
            }
            switch (ProductKernel.of(m.type(), m.cols(), tensorCores)) {
                case INT8 -> {
                    if (q8 == null) {
                        q8 = quantize(x, rows);
                    }
                    boolean few = rows <= LaunchShapes.MVQ_ROWS;
                    launch((few ? "mvq_" : "mmq_") + LaunchShapes.int8Suffix(m.type()),
                            few ? LaunchShapes.mvq(m.rows()) : LaunchShapes.mmq(m.rows(), rows), new KernelArgs()
                            .ptr(m.pointer()).i64(m.rowBytes()).ptr(q8.quants()).ptr(q8.scales()).ptr(q8.sums())
                            .ptr(buf(outs[j]).pointer()).i32(outs[j].width()).i32(m.cols()).i32(m.rows()).i32(rows));
                }
                case F16_MMA -> {
                    if (halves == null) {
                        halves = split(x, rows);
                    }
                    launch("mmf_f16", LaunchShapes.mmq(m.rows(), rows), new KernelArgs().ptr(m.pointer())
                            .i64(m.rowBytes()).ptr(halves.hi()).ptr(halves.lo()).ptr(halves.shifts())
                            .ptr(buf(outs[j]).pointer()).i32(outs[j].width()).i32(m.cols()).i32(m.rows()).i32(rows));
                }
                case FLOAT -> launch(LaunchShapes.matmulKernel(m.type()), LaunchShapes.matmul(m.rows(), rows),
                        new KernelArgs().ptr(m.pointer()).i64(m.rowBytes()).ptr(buf(x).pointer()).i32(x.width())
                                .ptr(buf(outs[j]).pointer()).i32(outs[j].width()).i32(m.cols()).i32(m.rows())
                                .i32(rows));
            }
        }
    }

    @Override
    public void matmul(DeviceMatrix w, DeviceBuffer x, int rows, DeviceBuffer out) {
        matmul(new DeviceMatrix[] {w}, x, rows, new DeviceBuffer[] {out});
    }

    private static CudaMatrix checkShapes(DeviceMatrix w, DeviceBuffer x, DeviceBuffer out) {
        CudaMatrix m = (CudaMatrix) w;
        if (x.width() != m.cols() || out.width() != m.rows()) {
            throw new IllegalArgumentException("matmul of " + m.rows() + " x " + m.cols() + " weights with " + x.width()
                    + "-wide input into " + out.width() + "-wide output");
        }
        return m;
    }

    /** {@code rows} rows of 8-bit activations: quants, then a float scale and an int sum per 32 values. */
    private record Q8Rows(CUdeviceptr quants, CUdeviceptr scales, CUdeviceptr sums) {
    }

    /** Quantizes {@code rows} rows of {@code x} into this thread's scratch, as the CPU's Q8Activations. */
    private Q8Rows quantize(DeviceBuffer x, int rows) {
        int k = x.width();
        long values = (long) rows * k;
        CUdeviceptr p = q8Scratch.get().ensure(values + 8 * (values / 32));
        // The quants come in whole blocks of 32, so the scales after them start 4-byte aligned.
        Q8Rows q = new Q8Rows(p, p.withByteOffset(values), p.withByteOffset(values + 4 * (values / 32)));
        launch("quantize_q8", LaunchShapes.quantizeQ8(k, rows), new KernelArgs().ptr(buf(x).pointer()).i32(k)
                .ptr(q.quants()).ptr(q.scales()).ptr(q.sums()).i32(k).i32(rows));
        return q;
    }

    /** {@code rows} rows of activations as hi and lo halves, and each row's power-of-two shift. */
    private record HalfRows(CUdeviceptr hi, CUdeviceptr lo, CUdeviceptr shifts) {
    }

    /** Splits {@code rows} rows of {@code x} into this thread's scratch for the F16 tensor-core product. */
    private HalfRows split(DeviceBuffer x, int rows) {
        int k = x.width();
        long values = (long) rows * k;
        CUdeviceptr p = halfScratch.get().ensure(4 * values + 4L * rows);
        // k is a multiple of 32, so each half row starts 64-byte aligned after the allocation's own alignment.
        HalfRows h = new HalfRows(p, p.withByteOffset(2 * values), p.withByteOffset(4 * values));
        launch("split_f16", LaunchShapes.splitF16(rows), new KernelArgs().ptr(buf(x).pointer()).i32(k).ptr(h.hi())
                .ptr(h.lo()).ptr(h.shifts()).i32(k));
        return h;
    }

    @Override
    public void addBias(DeviceBuffer x, DeviceVector bias, int rows) {
        if (rows == 0) {
            return;
        }
        CudaVector b = (CudaVector) bias;
        launch("add_bias", LaunchShapes.perRow(b.length(), rows),
                new KernelArgs().ptr(buf(x).pointer()).i32(x.width()).ptr(b.pointer()).i32(b.length()));
    }

    @Override
    public void rope(DeviceRope rope, DeviceBuffer x, int heads, StepRows rows) {
        CudaRope r = (CudaRope) rope;
        CudaStepRows s = (CudaStepRows) rows;
        RopeTable t = r.table();
        launch("rope", LaunchShapes.rope(heads, t.ropeDim(), s.size()), new KernelArgs().ptr(buf(x).pointer())
                .i32(x.width()).ptr(s.positions()).ptr(r.cos()).ptr(r.sin()).i32(t.headDim()).i32(t.ropeDim())
                .i32(t.halves() ? 1 : 0));
    }

    @Override
    public void storeKv(KvCacheStorage kv, int layer, StepRows rows, DeviceBuffer k, DeviceBuffer v) {
        CudaKvCache c = cache(kv);
        CudaStepRows s = (CudaStepRows) rows;
        if (c.type() == KvType.Q8) {
            launch("kv_write_q8", LaunchShapes.kvWriteQ8(c.kvDim(), s.size()), new KernelArgs().ptr(buf(k).pointer())
                    .i32(k.width()).ptr(buf(v).pointer()).i32(v.width()).ptr(s.slots()).ptr(c.keys(layer))
                    .ptr(c.keyScales(layer)).ptr(c.values(layer)).ptr(c.valueScales(layer)).i32(c.kvDim()));
        } else {
            launch("kv_write_" + c.kernelSuffix(), LaunchShapes.perRow(c.kvDim(), s.size()), new KernelArgs()
                    .ptr(buf(k).pointer()).i32(k.width()).ptr(buf(v).pointer()).i32(v.width()).ptr(s.slots())
                    .ptr(c.keys(layer)).ptr(c.values(layer)).i32(c.kvDim()));
        }
    }

    @Override
    public void attention(KvCacheStorage kv, int layer, StepRows rows, DeviceBuffer q, AttentionShape shape,
            DeviceBuffer out) {
        CudaKvCache c = cache(kv);
        CudaStepRows s = (CudaStepRows) rows;
        LaunchShape launch = LaunchShapes.attention(shape.heads(), shape.kvHeads(), shape.headDim(), s.size(),
                c.isQuantized());
        KernelArgs args = new KernelArgs().ptr(buf(q).pointer()).i32(q.width()).ptr(buf(out).pointer())
                .i32(out.width()).ptr(s.positions()).ptr(s.tables()).ptr(s.tableOffsets()).ptr(c.keys(layer));
        if (c.type() == KvType.Q8) {
            args.ptr(c.keyScales(layer)).ptr(c.values(layer)).ptr(c.valueScales(layer));
        } else {
            args.ptr(c.values(layer));
        }
        args.i32(shape.heads()).i32(shape.kvHeads()).i32(shape.headDim()).i32(c.blockSize()).f32(shape.scale());
        launch("attention_" + c.kernelSuffix(), launch, args);
    }

    @Override
    public void swiGlu(DeviceBuffer gate, DeviceBuffer up, int rows) {
        if (rows == 0) {
            return;
        }
        long n = (long) rows * gate.width();
        launch("swiglu", LaunchShapes.elementwise(n), new KernelArgs().ptr(buf(gate).pointer()).ptr(buf(up).pointer())
                .i64(n));
    }

    @Override
    public void add(DeviceBuffer x, DeviceBuffer y, int rows) {
        if (rows == 0) {
            return;
        }
        long n = (long) rows * x.width();
        launch("add_inplace", LaunchShapes.elementwise(n), new KernelArgs().ptr(buf(x).pointer()).ptr(buf(y).pointer())
                .i64(n));
    }

    @Override
    public void gatherLogitRows(StepRows rows, DeviceBuffer x, DeviceBuffer out) {
        CudaStepRows s = (CudaStepRows) rows;
        if (s.logitRows() == 0) {
            return;
        }
        launch("gather_rows", LaunchShapes.perRow(x.width(), s.logitRows()), new KernelArgs().ptr(buf(out).pointer())
                .ptr(buf(x).pointer()).ptr(s.logitRowIndexes()).i32(x.width()));
    }

    @Override
    public void download(DeviceBuffer src, int rows, float[] dst) {
        long n = (long) rows * src.width();
        if (n > dst.length) {
            throw new IllegalArgumentException(rows + " rows of " + src.width() + " do not fit " + dst.length + " floats");
        }
        gpu.makeCurrent();
        gpu.download(Pointer.to(dst), buf(src).pointer(), 4 * n);
    }

    /** Copies {@code rows} rows of host floats into {@code dst}: activations arriving from another device. */
    @Override
    public void upload(float[] src, int rows, DeviceBuffer dst) {
        write(dst, src, rows);
    }

    /**
     * Copies between two GPUs with {@code cuMemcpyPeer}: directly where the GPUs have peer access (enabled when
     * this backend is opened next to another), else staged by the driver. The source's launches are finished
     * first and the copy before the target's next launch (both contexts are synchronised), so the order of the
     * graph holds across devices.
     */
    @Override
    public boolean copyTo(DeviceBuffer src, int rows, ComputeBackend target, DeviceBuffer dst) {
        if (!(target instanceof CudaCompute other) || other == this) {
            return false;
        }
        long bytes = 4L * rows * src.width();
        if (src.width() != dst.width() || rows > dst.rows() || rows > src.rows()) {
            throw new IllegalArgumentException(rows + " rows of " + src.width() + " do not fit " + dst.rows() + " x "
                    + dst.width());
        }
        synchronize();
        gpu.copyToPeer(buf(src).pointer(), other.gpu, other.buf(dst).pointer(), bytes);
        other.synchronize();
        return true;
    }

    /** Copies {@code rows} rows of {@code src} into {@code dst} (the self-check's inputs; the graph never needs it). */
    void write(DeviceBuffer dst, float[] src, int rows) {
        long n = (long) rows * dst.width();
        if (rows > dst.rows() || n > src.length) {
            throw new IllegalArgumentException(rows + " rows do not fit");
        }
        gpu.makeCurrent();
        gpu.upload(buf(dst).pointer(), Pointer.to(src), 4 * n);
    }

    /** Waits for every launch so far (benchmarks; a step's download waits by itself). */
    public void synchronize() {
        gpu.makeCurrent();
        gpu.synchronize();
    }

    private void launch(String kernel, LaunchShape shape, KernelArgs args) {
        gpu.makeCurrent();
        gpu.launch(kernel, shape, args);
    }

    private CudaBuffer buf(DeviceBuffer b) {
        if (b instanceof CudaBuffer c && c.belongsTo(this)) {
            return c;
        }
        throw new IllegalArgumentException("a buffer of another backend passed to the CUDA backend of " + device());
    }

    private CudaKvCache cache(KvCacheStorage kv) {
        if (kv instanceof CudaKvCache c && c.belongsTo(this)) {
            return c;
        }
        throw new IllegalArgumentException("KV storage of another backend passed to the CUDA backend of " + device());
    }

    /**
     * A thread's device scratch (a step's rows, copies of the activations), grown by doubling and never shrunk,
     * so that steps of growing size reallocate a logarithmic number of times.
     */
    private final class Scratch {
        private CUdeviceptr device;
        private long bytes;

        CUdeviceptr ensure(long needed) {
            if (bytes < needed) {
                long capacity = Math.max(needed, 2 * bytes);
                if (device != null) {
                    release(device, bytes);
                    device = null;   // nothing held if the larger reservation is refused
                    bytes = 0;
                }
                device = reserve(capacity);
                bytes = capacity;
            }
            return device;
        }
    }

    /** A thread's step staging: host scratch and its device copy. */
    private final class StepArena {
        int[] host;
        final Scratch device = new Scratch();
    }
}
