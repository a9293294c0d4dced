package io.sluice.model;

import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.DeviceBuffer;
import io.sluice.tensor.StepPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Every activation buffer of a forward step on one device, allocated once in the backend's memory for up to
 * {@link #rows} rows (and, on the device that computes them, {@link #logitRows} rows of logits) and reused step
 * after step, plus the host {@link StepPlan}. Only a larger batch than any before makes a new one.
 */
final class StepBuffers implements AutoCloseable {
    final int rows;
    final int logitRows;
    final StepPlan plan = new StepPlan();
    /** The residual stream. */
    final DeviceBuffer x;
    /** x normalised: the input of the QKV and gate/up products. */
    final DeviceBuffer xb;
    final DeviceBuffer q;
    final DeviceBuffer k;
    final DeviceBuffer v;
    /** Attention output (query width). */
    final DeviceBuffer att;
    /** Output of wo and of w_down, added to the residual. */
    final DeviceBuffer o;
    final DeviceBuffer gate;
    final DeviceBuffer up;
    /** The residual rows that want logits, packed, and their normalised form (null but on the last device). */
    final DeviceBuffer selected;
    final DeviceBuffer normed;
    final DeviceBuffer logits;
    /** Output groups of the grouped products. */
    final DeviceBuffer[] qkv;
    final DeviceBuffer[] gateUp;
    /** The residual stream arriving from the previous device through the host (made on first use). */
    private float[] inbound;

    StepBuffers(ComputeBackend backend, ModelConfig c, int rows, int logitRows, boolean withLogits) {
        this.rows = rows;
        this.logitRows = logitRows;
        // A device budget can run out part way: what was already allocated is freed again.
        List<DeviceBuffer> made = new ArrayList<>();
        try {
            x = allocate(backend, made, rows, c.dim());
            xb = allocate(backend, made, rows, c.dim());
            q = allocate(backend, made, rows, c.qDim());
            k = allocate(backend, made, rows, c.kvDim());
            v = allocate(backend, made, rows, c.kvDim());
            att = allocate(backend, made, rows, c.qDim());
            o = allocate(backend, made, rows, c.dim());
            gate = allocate(backend, made, rows, c.ffn());
            up = allocate(backend, made, rows, c.ffn());
            selected = withLogits ? allocate(backend, made, logitRows, c.dim()) : null;
            normed = withLogits ? allocate(backend, made, logitRows, c.dim()) : null;
            logits = withLogits ? allocate(backend, made, logitRows, c.vocabSize()) : null;
        } catch (RuntimeException e) {
            made.forEach(DeviceBuffer::close);
            throw e;
        }
        qkv = new DeviceBuffer[] {q, k, v};
        gateUp = new DeviceBuffer[] {gate, up};
    }

    private static DeviceBuffer allocate(ComputeBackend backend, List<DeviceBuffer> made, int rows, int width) {
        DeviceBuffer b = backend.allocate(rows, width);
        made.add(b);
        return b;
    }

    boolean fits(int n, int m) {
        return n <= rows && m <= logitRows;
    }

    /** Host room for {@code length} floats of the residual stream handed over from the previous device. */
    float[] inbound(int length) {
        if (inbound == null || inbound.length < length) {
            inbound = new float[rows * x.width()];
        }
        return inbound;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : new DeviceBuffer[] {x, xb, q, k, v, att, o, gate, up, selected, normed, logits}) {
            if (b != null) {
                b.close();
            }
        }
    }
}
