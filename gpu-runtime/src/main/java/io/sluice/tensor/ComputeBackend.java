package io.sluice.tensor;

import io.sluice.kv.KvCacheStorage;
import io.sluice.kv.KvType;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The compute seam: the few operations a Llama-family forward pass is made of, each implemented by a backend
 * on its own memory. The graph ({@code io.sluice.model.LlamaModel}) is written once against this interface;
 * the CPU backend ({@code tensor.cpu}) runs it over Java arrays and the memory-mapped file, a GPU backend
 * ({@code tensor.cuda}) over device buffers.
 *
 * <h2>Lifetimes</h2>
 * <ul>
 *   <li><b>Load</b> (once per model): {@link #matrix}, {@link #vector} and {@link #rope} prepare weights and
 *       tables. The CPU backend keeps the mapped file in place; a GPU backend copies the bytes to device memory
 *       in their stored type (quantized weights stay quantized) and keeps them for the model's lifetime.</li>
 *   <li><b>KV</b>: {@link #allocateKv} makes the paged KV cache in the backend's memory. The operations
 *       accept only KV storage that the same backend allocated.</li>
 *   <li><b>Workspace</b> (once, grown rarely): {@link #allocate} makes activation buffers; the model
 *       allocates them for a number of rows and reuses them every step.</li>
 *   <li><b>Step</b>: {@link #upload} the host {@link StepPlan} (token ids, positions, KV slots, block tables,
 *       logit rows: the only data that goes up), run the operations, then {@link #download} the logits (the
 *       only data that comes down). Everything else stays in the backend's memory for the whole step.</li>
 *   <li><b>Layer split</b>: a model too large for one device runs its layers on several backends in turn
 *       ({@code io.sluice.model.LayerSplit}); between two of them the residual stream moves once per step, by
 *       {@link #copyTo} where the two devices can copy directly, else through the host ({@link #download}, then
 *       {@link #upload(float[], int, DeviceBuffer)}).</li>
 *   <li><b>Release</b>: everything a backend allocates ({@link DeviceMatrix}, {@link DeviceVector},
 *       {@link DeviceRope}, {@link KvCacheStorage}, {@link DeviceBuffer}) is closed by its owner — the model, or
 *       the engine for its KV cache — which frees device memory; {@link #bytesHeld} shows what is still held.</li>
 * </ul>
 *
 * <h2>Rules every implementation keeps</h2>
 * <ul>
 *   <li>Operations act on the first {@code rows} rows of their buffers; row {@code r} of every buffer is
 *       row {@code r} of the {@link StepRows}. Calls are issued in graph order and may run asynchronously
 *       (a GPU stream), as long as {@link #download} returns the finished result.</li>
 *   <li><b>Batch invariance</b>: every output element is computed in one fixed order that does not depend on
 *       the number of rows, the other rows, the thread or block split — so a row has the same bits alone or in
 *       any batch on the same backend. Backends may differ from each other in bits (the CPU backend's order
 *       is defined in {@link io.sluice.tensor.cpu.FloatKernel}).</li>
 *   <li>A backend is shared by every model loaded on its device and by every thread; per-step state lives in
 *       the buffers and {@link StepRows} the caller passes.</li>
 * </ul>
 */
public interface ComputeBackend {

    /** The device this backend runs on. */
    Device device();

    /** One line for logs and {@code sluice devices}: backend, kernel path, threads or device name. */
    String describe();

    // ---- load time ----

    /** The weight matrix {@code host} (validated, in place over the mapped file) prepared for this backend. */
    DeviceMatrix matrix(WeightTensor host);

    /** A copy of {@code values} (norm weights, biases) in this backend's memory. */
    DeviceVector vector(float[] values);

    /** The RoPE tables in this backend's memory. */
    DeviceRope rope(RopeTable table);

    /**
     * A paged KV cache of {@code numBlocks × blockSize} slots for {@code layers} layers of {@code kvDim} keys and
     * values each, stored as {@code type}.
     */
    KvCacheStorage allocateKv(int numBlocks, int blockSize, int layers, int kvDim, KvType type);

    /** An activation buffer of {@code rows × width} floats. */
    DeviceBuffer allocate(int rows, int width);

    // ---- memory ----

    /**
     * Bytes of the device's budget not yet allocated, or empty where the backend has no budget of its own (the
     * CPU: its KV cache is sized from the heap by the engine's configuration). A layer split is planned from it.
     */
    OptionalLong memoryLeft();

    /**
     * How many KV blocks of {@code blockSize} tokens for {@code layers} layers fit what is left of the device's
     * budget once {@code workspace} more bytes of activations are allocated; empty where the backend has no
     * budget ({@link #memoryLeft}).
     *
     * @throws IllegalStateException (for CUDA its {@code CudaUnavailableException}) when too few blocks fit,
     *     naming the numbers
     */
    OptionalInt kvBlocksThatFit(int blockSize, int layers, int kvDim, KvType type, long workspace);

    /**
     * Bytes this backend holds now for vectors, KV caches and activations (device memory on a GPU, weights
     * included; heap arrays on the CPU, whose weight matrices stay in the file's memory map and count nothing).
     * Back where it was once every model and engine on it is closed (but for what a GPU keeps per calling thread
     * for the step's rows: a few KiB).
     */
    long bytesHeld();

    // ---- per step ----

    /** Makes the step's rows readable by the operations (uploads them, for a device). */
    StepRows upload(StepPlan plan);

    /** {@code x[r] = dequantized row token(r) of table}, for every row. */
    void embed(DeviceMatrix table, StepRows rows, DeviceBuffer x);

    /**
     * {@code out[r] = x[r] / sqrt(mean(x[r]²) + eps) * weight} for {@code r < rows}; the sum of squares in
     * double, in index order.
     */
    void rmsNorm(DeviceBuffer x, DeviceVector weight, float eps, int rows, DeviceBuffer out);

    /**
     * Products of one activation with several weights of equal width in one pass:
     * {@code outs[j][r] = ws[j] · x[r]} for {@code r < rows}. One pass matters where each product is short
     * (single-sequence decode): Q, K and V, or gate and up, cost one hand-off instead of several.
     */
    void matmul(DeviceMatrix[] ws, DeviceBuffer x, int rows, DeviceBuffer[] outs);

    /** One product, {@code out[r] = w · x[r]} for {@code r < rows}: as {@link #matmul(DeviceMatrix[], DeviceBuffer,
     * int, DeviceBuffer[])} with one weight. */
    void matmul(DeviceMatrix w, DeviceBuffer x, int rows, DeviceBuffer out);

    /** {@code x[r] += bias} for {@code r < rows}. */
    void addBias(DeviceBuffer x, DeviceVector bias, int rows);

    /** Rotates the first {@code heads} heads of every row of {@code x} for the row's position. */
    void rope(DeviceRope rope, DeviceBuffer x, int heads, StepRows rows);

    /** Writes every row's keys and values of {@code layer} into its KV slot. */
    void storeKv(KvCacheStorage kv, int layer, StepRows rows, DeviceBuffer k, DeviceBuffer v);

    /**
     * Causal paged attention of {@code layer}: each row's queries against positions {@code [0, position]} of
     * its own sequence (through its block table, including keys stored earlier in this step), softmax, and the
     * weighted sum of values into {@code out}.
     */
    void attention(KvCacheStorage kv, int layer, StepRows rows, DeviceBuffer q, AttentionShape shape,
            DeviceBuffer out);

    /** {@code gate[r] = silu(gate[r]) * up[r]} for {@code r < rows}. */
    void swiGlu(DeviceBuffer gate, DeviceBuffer up, int rows);

    /** {@code x[r] += y[r]} for {@code r < rows} (the residual). */
    void add(DeviceBuffer x, DeviceBuffer y, int rows);

    /** {@code out[j] = x[logitRow(j)]}: the rows that want logits, packed, in row order. */
    void gatherLogitRows(StepRows rows, DeviceBuffer x, DeviceBuffer out);

    /** Copies the first {@code rows} rows of {@code src} to {@code dst} on the host. */
    void download(DeviceBuffer src, int rows, float[] dst);

    /** Copies {@code rows} rows of host floats into {@code dst}: activations arriving from another device. */
    void upload(float[] src, int rows, DeviceBuffer dst);

    /**
     * Copies the first {@code rows} rows of {@code src} (this backend's) into {@code dst} of {@code target}
     * without passing through the host, finished before {@code target}'s next operation runs; returns false
     * when the two cannot (the caller then goes through the host). CUDA copies between its GPUs (peer to peer
     * where the GPUs allow it); the CPU has no faster path than the host copy itself.
     */
    default boolean copyTo(DeviceBuffer src, int rows, ComputeBackend target, DeviceBuffer dst) {
        return false;
    }
}
