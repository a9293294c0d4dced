package io.sluice.operators.inference;

import io.sluice.engine.InferenceEngine;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine one subtask runs on: claims a GPU of the TaskManager for the subtask ({@link GpuAssignment}),
 * leases the shared engine of that device from the provider, and falls back to the CPU when the TaskManager
 * has no GPU, the engine cannot be opened on it, or the engine has no GPU backend. Used alike by the
 * DataStream job's inference operator and by the SQL predict function, so both share one engine per model
 * and device in a TaskManager. {@link #close()} gives the lease and the GPU claim back.
 */
public final class SlotEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SlotEngine.class);

    private final Device device;
    private final EngineLease lease;

    private SlotEngine(Device device, EngineLease lease) {
        this.device = device;
        this.lease = lease;
    }

    /**
     * Claims a device among the TaskManager's {@code gpus} (the {@link GpuAssignment#RESOURCE_NAME} external
     * resource; empty for none) and opens the engine on it. {@code who} names the caller in log lines.
     */
    public static SlotEngine open(EngineProvider provider, Collection<ExternalResourceInfo> gpus, int subtask,
                                  String who) throws Exception {
        Objects.requireNonNull(provider, "provider");
        Device claimed = GpuAssignment.claim(gpus, subtask);
        if (!claimed.isGpu()) {
            EngineLease lease = provider.acquire(Device.CPU);
            LOG.info("{} subtask {}: no GPU in this TaskManager; running on the CPU ({})", who, subtask,
                    lease.engine().device());
            return new SlotEngine(Device.CPU, lease);
        }
        EngineLease lease;
        try {
            lease = provider.acquire(claimed);
        } catch (Exception e) {
            LOG.warn("{} subtask {}: cannot open the engine on {} ({}); falling back to the CPU", who, subtask,
                    claimed, e.getMessage());
            GpuAssignment.release(claimed);
            return new SlotEngine(Device.CPU, provider.acquire(Device.CPU));
        }
        String runsOn = lease.engine().device();
        if (runsOn.toLowerCase(Locale.ROOT).startsWith("cpu")) {
            LOG.warn("{} subtask {}: assigned {}, but the engine runs on {}: no GPU backend; using the CPU", who,
                    subtask, claimed, runsOn);
            GpuAssignment.release(claimed);
            return new SlotEngine(Device.CPU, lease);
        }
        LOG.info("{} subtask {}: running on {} ({})", who, subtask, claimed, runsOn);
        return new SlotEngine(claimed, lease);
    }

    /** The device the engine runs on ({@link Device#CPU} after a fallback). */
    public Device device() {
        return device;
    }

    public EngineLease lease() {
        return lease;
    }

    public InferenceEngine engine() {
        return lease.engine();
    }

    /** Gives the engine lease and the GPU claim back; the shared engine stays up for its other users. */
    @Override
    public void close() {
        try {
            lease.close();
        } finally {
            GpuAssignment.release(device);
        }
    }
}
