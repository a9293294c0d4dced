package io.sluice.operators.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out {@link FakeEngine}s registered under a name (providers are serialized with the operator, so
 * they find their engine through this static registry). GPU devices are refused unless {@code gpuBackend}.
 */
final class FakeEngineProvider implements EngineProvider {
    private static final long serialVersionUID = 1L;
    static final Map<String, FakeEngine> ENGINES = new ConcurrentHashMap<>();
    /** Devices asked for, by provider name, in order (refused ones too). */
    static final Map<String, List<Device>> ACQUIRED = new ConcurrentHashMap<>();

    private final String name;
    private final boolean gpuBackend;

    FakeEngineProvider(String name, boolean gpuBackend) {
        this.name = name;
        this.gpuBackend = gpuBackend;
    }

    @Override
    public EngineLease acquire(Device device) {
        ACQUIRED.computeIfAbsent(name, n -> new ArrayList<>()).add(device);
        if (device.isGpu() && !gpuBackend) {
            throw new UnsupportedOperationException("no GPU backend");
        }
        FakeEngine engine = ENGINES.get(name);
        return new EngineLease() {
            @Override
            public FakeEngine engine() {
                return engine;
            }

            @Override
            public void close() {
                engine.close();
            }
        };
    }
}
