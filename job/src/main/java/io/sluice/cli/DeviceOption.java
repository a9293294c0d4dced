package io.sluice.cli;

import io.sluice.engine.EngineConfig;
import io.sluice.engine.LlamaEngine;
import io.sluice.model.LlamaModel;
import io.sluice.tensor.Device;
import io.sluice.tensor.cuda.CudaUnavailableException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --device} option of {@code generate}, {@code batch} and {@code bench} (a picocli mixin). */
public final class DeviceOption {

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "Where the model runs: cpu, cuda (GPU 0) or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    /** The chosen device; a user error naming the accepted forms for anything else. */
    Device device() {
        try {
            return Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw new UserError("--device: " + e.getMessage());
        }
    }

    /** Sets the engine's device from the option. */
    EngineConfig.Builder apply(EngineConfig.Builder builder) {
        return builder.device(device());
    }

    /** Loads {@code model} on the chosen device; a GPU that cannot be used is a user error naming why. */
    LlamaModel load(Path model) {
        Device d = device();
        try {
            return LlamaModel.load(model, d);
        } catch (CudaUnavailableException e) {
            throw unavailable(d, e);
        }
    }

    /**
     * Starts an engine on a model loaded by {@link #load}; a model that leaves the GPU too little room for its
     * KV cache is a user error naming the numbers.
     */
    static LlamaEngine engine(LlamaModel model, EngineConfig config) {
        try {
            return new LlamaEngine(model, config, false);
        } catch (CudaUnavailableException e) {
            throw unavailable(config.device(), e);
        }
    }

    /** The one line for a device that cannot be used. */
    static UserError unavailable(Device d, CudaUnavailableException e) {
        return new UserError("--device " + d + ": CUDA cannot be used: " + e.getMessage(), e);
    }
}
