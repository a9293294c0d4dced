package io.sluice.tensor;

/**
 * Makes the backend of one device kind; found with {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/io.sluice.tensor.ComputeBackendProvider}), so that a backend whose library is absent
 * from a build leaves nothing behind but a clear message.
 */
public interface ComputeBackendProvider {
    /** The kind of device it serves. */
    Device.Kind kind();

    /**
     * The backend of {@code device}.
     *
     * @throws IllegalStateException when the device cannot be used here, with the reason (no driver, no device
     *     of that index, no kernels in this build)
     */
    ComputeBackend open(Device device);
}
