package io.sluice.tensor.cuda;

/** CUDA cannot be used here; the message is one line saying why ("no NVIDIA driver", "GPU 2 not present (1 found)"). */
public final class CudaUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public CudaUnavailableException(String reason) {
        super(reason);
    }
}
