package io.sluice.cli;

import io.sluice.engine.EngineConfig;
import io.sluice.engine.LlamaEngine;
import io.sluice.kv.KvType;
import io.sluice.model.LlamaModel;
import io.sluice.tensor.Device;
import io.sluice.tensor.cuda.CudaUnavailableException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where the model and its KV cache live, for {@code generate}, {@code batch} and {@code bench} (a picocli mixin):
 * {@code --device} (one device, or several to split the layers over) and {@code --kv-type} (with
 * {@code --kv-8bit}, its older spelling of {@code --kv-type q8}).
 */
public final class DeviceOption {

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "Where the model runs: cpu, cuda (GPU 0) or cuda:N; a list such as cuda:0,cuda:1 splits the"
                    + " layers over the GPUs (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--kv-type", paramLabel = "TYPE",
            description = "How the KV cache stores keys and values: f32 (default), f16 or q8 (8-bit blocks).")
    String kvType;

    @Option(names = "--kv-8bit", description = "Store the KV cache as 8-bit blocks (--kv-type q8).")
    boolean kv8bit;

    /** The chosen devices, in layer order; a user error naming the accepted forms for anything else. */
    List<Device> devices() {
        try {
            return Device.parseList(device);
        } catch (IllegalArgumentException e) {
            throw new UserError("--device: " + e.getMessage());
        }
    }

    /** The first chosen device (the only one unless the layers are split). */
    Device device() {
        return devices().get(0);
    }

    /** The KV cache's type: {@code --kv-type}, else q8 with {@code --kv-8bit}, else the engine's default (f32). */
    KvType kvType() {
        if (kvType == null) {
            return kv8bit ? KvType.Q8 : io.sluice.engine.EngineConfig.DEFAULT_KV_TYPE;
        }
        KvType type;
        try {
            type = KvType.parse(kvType);
        } catch (IllegalArgumentException e) {
            throw new UserError("--kv-type: " + e.getMessage());
        }
        if (kv8bit && type != KvType.Q8) {
            throw new UserError("--kv-8bit and --kv-type " + kvType + " contradict each other: give one");
        }
        return type;
    }

    /** Sets the engine's devices and KV type from the options. */
    EngineConfig.Builder apply(EngineConfig.Builder builder) {
        return builder.devices(devices()).kvType(kvType());
    }

    /** Loads {@code model} on the chosen devices; a GPU that cannot be used is a user error naming why. */
    LlamaModel load(Path model) {
        List<Device> d = devices();
        try {
            return LlamaModel.load(model, d);
        } catch (CudaUnavailableException e) {
            throw unavailable(d.get(0), e);
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
