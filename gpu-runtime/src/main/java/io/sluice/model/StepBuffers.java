package io.sluice.model;

import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.DeviceBuffer;
import io.sluice.tensor.StepPlan;

/**
 * Every activation buffer of a forward step, allocated once in the backend's memory for up to {@link #rows}
 * rows (and {@link #logitRows} rows of logits) and reused step after step, plus the host {@link StepPlan}.
 * Only a larger batch than any before makes a new one.
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
    /** The residual rows that want logits, packed, and their normalised form. */
    final DeviceBuffer selected;
    final DeviceBuffer normed;
    final DeviceBuffer logits;
    /** Output groups of the grouped products. */
    final DeviceBuffer[] qkv;
    final DeviceBuffer[] gateUp;

    StepBuffers(ComputeBackend backend, ModelConfig c, int rows, int logitRows) {
        this.rows = rows;
        this.logitRows = logitRows;
        x = backend.allocate(rows, c.dim());
        xb = backend.allocate(rows, c.dim());
        q = backend.allocate(rows, c.qDim());
        k = backend.allocate(rows, c.kvDim());
        v = backend.allocate(rows, c.kvDim());
        att = backend.allocate(rows, c.qDim());
        o = backend.allocate(rows, c.dim());
        gate = backend.allocate(rows, c.ffn());
        up = backend.allocate(rows, c.ffn());
        selected = backend.allocate(logitRows, c.dim());
        normed = backend.allocate(logitRows, c.dim());
        logits = backend.allocate(logitRows, c.vocabSize());
        qkv = new DeviceBuffer[] {q, k, v};
        gateUp = new DeviceBuffer[] {gate, up};
    }

    boolean fits(int n, int m) {
        return n <= rows && m <= logitRows;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : new DeviceBuffer[] {x, xb, q, k, v, att, o, gate, up, selected, normed, logits}) {
            b.close();
        }
    }
}
