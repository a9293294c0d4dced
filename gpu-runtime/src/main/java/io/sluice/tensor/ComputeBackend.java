package io.sluice.tensor;

import io.sluice.kv.KvCacheStorage;

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
     * values each, F32 or 8-bit blocks ({@code q8}).
     */
    KvCacheStorage allocateKv(int numBlocks, int blockSize, int layers, int kvDim, boolean q8);

    /** An activation buffer of {@code rows × width} floats. */
    DeviceBuffer allocate(int rows, int width);

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
}
