package io.sluice.tensor.cuda;

import jcuda.driver.CUdeviceptr;

/** One block of device memory charged to a {@link CudaCompute}'s budget, given back once on {@link #close}. */
abstract class CudaAllocation implements AutoCloseable {
    private final CudaCompute owner;
    private final CUdeviceptr pointer;
    private final long bytes;
    private boolean closed;

    CudaAllocation(CudaCompute owner, CUdeviceptr pointer, long bytes) {
        this.owner = owner;
        this.pointer = pointer;
        this.bytes = bytes;
    }

    CUdeviceptr pointer() {
        return pointer;
    }

    long bytes() {
        return bytes;
    }

    /** Whether it belongs to {@code backend} (an allocation of another GPU cannot be used there). */
    boolean belongsTo(CudaCompute backend) {
        return owner == backend;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            owner.release(pointer, bytes);
        }
    }
}
