package io.sluice.tensor.cpu;

import io.sluice.tensor.ComputeBackend;
import io.sluice.tensor.ComputeBackendProvider;
import io.sluice.tensor.Device;

/** Provides the CPU backend (always usable): {@code cpu} itself, and an instance per further {@code cpu:N}. */
public final class CpuComputeProvider implements ComputeBackendProvider {
    @Override
    public Device.Kind kind() {
        return Device.Kind.CPU;
    }

    @Override
    public ComputeBackend open(Device device) {
        return CpuCompute.of(device);
    }
}
