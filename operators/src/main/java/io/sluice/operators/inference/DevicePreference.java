package io.sluice.operators.inference;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where the job wants its engines ({@code model.device}): {@code auto} runs on the GPU the slot claimed from
 * the TaskManager's external resources, else the CPU; {@code cpu} never uses a GPU; {@code cuda} wants the
 * claimed GPU (GPU 0 when the TaskManager declares none, as in a local run); {@code cuda:N} wants GPU N.
 * A list {@code cuda:0,cuda:1} (job.yaml's {@code model.devices}) pins GPUs 0 and 1 and splits the model's
 * layers over them. A GPU that cannot be used falls back to the CPU ({@link SlotEngine}).
 *
 * @param mode what was asked
 * @param index the GPU of {@code cuda:N}, the first of a split (-1 otherwise)
 * @param split the GPUs of a split, in layer order (empty otherwise)
 */
public record DevicePreference(Mode mode, int index, List<Integer> split) implements Serializable {

    public enum Mode { AUTO, CPU, CUDA }

    public static final DevicePreference AUTO = new DevicePreference(Mode.AUTO, -1);

    public DevicePreference(Mode mode, int index) {
        this(mode, index, List.of());
    }

    public DevicePreference {
        split = List.copyOf(split);
    }

    /**
     * Parses {@code auto}, {@code cpu}, {@code cuda}, {@code cuda:N} or a list of GPUs {@code cuda:N,cuda:M},
     * case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static DevicePreference parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return AUTO;
        }
        if (s.contains(",")) {
            List<io.sluice.tensor.Device> devices = io.sluice.tensor.Device.parseList(s);
            if (devices.get(0).kind() != io.sluice.tensor.Device.Kind.CUDA) {
                throw new IllegalArgumentException("device '" + text + "': a layer split is over GPUs (cuda:N,cuda:M)");
            }
            List<Integer> gpus = devices.stream().map(io.sluice.tensor.Device::index).toList();
            return new DevicePreference(Mode.CUDA, gpus.get(0), gpus);
        }
        try {
            io.sluice.tensor.Device d = io.sluice.tensor.Device.parse(s);
            if (d.kind() == io.sluice.tensor.Device.Kind.CPU) {
                return new DevicePreference(Mode.CPU, -1);
            }
            return new DevicePreference(Mode.CUDA, s.equals("cuda") ? -1 : d.index());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device '" + text + "' is not one of auto, cpu, cuda, cuda:N");
        }
    }

    /**
     * The GPUs an engine opened on {@code target} runs on, in layer order: every GPU of a pinned split, else the
     * target alone.
     */
    public List<Integer> gpus(Device target) {
        return !split.isEmpty() && target.isGpu() && target.index() == index ? split : List.of(target.index());
    }

    /** Whether the slot should claim one of the TaskManager's GPUs. */
    public boolean claimsGpu() {
        return mode == Mode.AUTO || (mode == Mode.CUDA && index < 0);
    }

    /** The device to open the engine on, given the GPU the slot claimed ({@link Device#CPU} for none). */
    public Device target(Device claimed) {
        return switch (mode) {
            case CPU -> Device.CPU;
            case AUTO -> claimed;
            case CUDA -> index >= 0 ? Device.gpu(index) : claimed.isGpu() ? claimed : Device.gpu(0);
        };
    }

    @Override
    public String toString() {
        return switch (mode) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case CUDA -> index < 0 ? "cuda" : split.isEmpty() ? "cuda:" + index
                    : split.stream().map(i -> "cuda:" + i).collect(Collectors.joining(","));
        };
    }
}
