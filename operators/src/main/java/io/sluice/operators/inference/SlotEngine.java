package io.sluice.operators.inference;

import io.sluice.engine.InferenceEngine;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
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
    /** The other GPUs of a split the engine runs on (held like {@link #device}); empty otherwise. */
    private final List<Device> alsoHeld;
    private final EngineLease lease;
    private final String fallbackReason;

    private SlotEngine(Device device, List<Device> alsoHeld, EngineLease lease, String fallbackReason) {
        this.device = device;
        this.alsoHeld = alsoHeld;
        this.lease = lease;
        this.fallbackReason = fallbackReason;
    }

    private SlotEngine(Device device, EngineLease lease) {
        this(device, List.of(), lease, null);
    }

    /**
     * Opens the engine where the provider's {@link DevicePreference} wants it: with {@code auto} (the default)
     * on a GPU claimed among the TaskManager's {@code gpus} (the {@link GpuAssignment#RESOURCE_NAME} external
     * resource; empty for none), else on the CPU. A GPU engine that cannot be opened (no NVIDIA driver, no CUDA
     * kernels in the jar, a GPU that fails to initialise or has too little memory) falls back to the CPU with
     * one WARN line naming the reason; the {@code backendGpu} metric then reads 0. {@code who} names the caller
     * in log lines.
     */
    public static SlotEngine open(EngineProvider provider, Collection<ExternalResourceInfo> gpus, int subtask,
                                  String who) throws Exception {
        Objects.requireNonNull(provider, "provider");
        DevicePreference preference = provider.devicePreference();
        Device claimed = preference.claimsGpu() ? GpuAssignment.claim(gpus, subtask) : Device.CPU;
        Device target = preference.target(claimed);
        if (!target.isGpu()) {
            GpuAssignment.release(claimed);
            EngineLease lease = provider.acquire(Device.CPU);
            LOG.info("{} subtask {}: {}; running on the CPU ({})", who, subtask,
                    preference.mode() == DevicePreference.Mode.CPU ? "model.device is cpu"
                            : "no GPU in this TaskManager", lease.engine().device());
            return new SlotEngine(Device.CPU, lease);
        }
        if (!target.equals(claimed)) {
            GpuAssignment.release(claimed); // a pinned cuda:N does not hold the claim of another GPU
            GpuAssignment.hold(target);
        }
        // The other GPUs of a pinned split (model.devices) are held too, so that claims stay balanced.
        List<Device> alsoHeld = preference.gpus(target).stream().filter(i -> i != target.index()).map(Device::gpu)
                .toList();
        alsoHeld.forEach(GpuAssignment::hold);
        EngineLease lease;
        try {
            // A provider opens the engine on the device asked or throws: an engine never silently runs elsewhere.
            lease = provider.acquire(target);
        } catch (Exception e) {
            String why = "CUDA cannot be used on " + preference.gpus(target).stream()
                    .map(i -> io.sluice.tensor.Device.cuda(i).toString()).collect(Collectors.joining(","))
                    + ": " + reason(e);
            LOG.warn("{} subtask {}: {}; falling back to the CPU", who, subtask, why);
            GpuAssignment.release(target);
            alsoHeld.forEach(GpuAssignment::release);
            return new SlotEngine(Device.CPU, List.of(), provider.acquire(Device.CPU), why);
        }
        LOG.info("{} subtask {}: running on {} ({})", who, subtask, target, lease.engine().device());
        return new SlotEngine(target, alsoHeld, lease, null);
    }

    /** The message of the exception, or of its first cause that has one, on one line. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage().replace('\n', ' ');
            }
        }
        return e.getClass().getSimpleName();
    }

    /** The device the engine runs on ({@link Device#CPU} after a fallback). */
    public Device device() {
        return device;
    }

    /** Why the engine runs on the CPU although a GPU was wanted (what the WARN line said), if it does. */
    public java.util.Optional<String> fallbackReason() {
        return java.util.Optional.ofNullable(fallbackReason);
    }

    public EngineLease lease() {
        return lease;
    }

    public InferenceEngine engine() {
        return lease.engine();
    }

    /**
     * Cancels the requests this slot still has in the shared engine, then closes — also when a cancel fails: a
     * shared engine must not leak its reference.
     */
    public void cancelAndClose(Collection<String> engineIds) {
        try {
            for (String id : engineIds) {
                engine().cancel(id);
            }
        } finally {
            close();
        }
    }

    /** The failure inside the wrappers a future adds ({@link CompletionException}, {@link ExecutionException}). */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Gives the engine lease and the GPU claim back; the shared engine stays up for its other users. */
    @Override
    public void close() {
        try {
            lease.close();
        } finally {
            GpuAssignment.release(device);
            alsoHeld.forEach(GpuAssignment::release);
        }
    }
}
