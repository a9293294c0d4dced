package io.sluice.tensor;

import java.util.ServiceLoader;

/** Finds the backend of a {@link Device}. */
public final class ComputeBackends {
    private ComputeBackends() {
    }

    /**
     * The backend of {@code device}.
     *
     * @throws IllegalStateException when no provider of its kind is in this build, or the device cannot be used
     */
    public static ComputeBackend open(Device device) {
        for (ComputeBackendProvider p : ServiceLoader.load(ComputeBackendProvider.class,
                ComputeBackendProvider.class.getClassLoader())) {
            if (p.kind() == device.kind()) {
                return p.open(device);
            }
        }
        throw new IllegalStateException("no " + device.kind().name().toLowerCase(java.util.Locale.ROOT)
                + " backend in this build");
    }
}
