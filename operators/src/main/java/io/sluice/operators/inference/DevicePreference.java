package io.sluice.operators.inference;

import java.io.Serializable;
import java.util.Locale;

/**
 * Where the job wants its engines ({@code model.device}): {@code auto} runs on the GPU the slot claimed from
 * the TaskManager's external resources, else the CPU; {@code cpu} never uses a GPU; {@code cuda} wants the
 * claimed GPU (GPU 0 when the TaskManager declares none, as in a local run); {@code cuda:N} wants GPU N.
 * A GPU that cannot be used falls back to the CPU ({@link SlotEngine}).
 *
 * @param mode what was asked
 * @param index the GPU of {@code cuda:N} (-1 otherwise)
 */
public record DevicePreference(Mode mode, int index) implements Serializable {

    public enum Mode { AUTO, CPU, CUDA }

    public static final DevicePreference AUTO = new DevicePreference(Mode.AUTO, -1);

    /**
     * Parses {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static DevicePreference parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return AUTO;
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
            case CUDA -> index < 0 ? "cuda" : "cuda:" + index;
        };
    }
}
