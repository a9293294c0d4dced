package io.sluice.tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Where a model runs: the typed choice passed when a model is loaded ({@code LlamaModel.load(path, device)}),
 * instead of a JVM-wide switch. {@link #CPU} is the default. CUDA devices carry their ordinal. CPU devices
 * other than {@code cpu:0} are further instances of the same CPU backend — each with its own memory
 * accounting and KV caches — so that a model's layers can be split over several of them ({@link #parseList}),
 * which tests the layer split without a GPU.
 *
 * @param kind the backend family
 * @param index the device ordinal within the family
 */
public record Device(Kind kind, int index) {

    /** The backend families; each has its own package ({@code tensor.cpu}, {@code tensor.cuda}). */
    public enum Kind {
        CPU,
        CUDA
    }

    /** The CPU of this machine. */
    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) {
            throw new IllegalArgumentException("device kind is required");
        }
        if (index < 0) {
            throw new IllegalArgumentException("invalid device index " + index + " for " + kind);
        }
    }

    /** CUDA device {@code index}. */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** CPU instance {@code index} ({@code cpu:0} is {@link #CPU}). */
    public static Device cpu(int index) {
        return of(Kind.CPU, index);
    }

    private static Device of(Kind kind, int index) {
        return kind == Kind.CPU && index == 0 ? CPU : new Device(kind, index);
    }

    /**
     * Parses {@code cpu} ({@code cpu:0}), {@code cpu:N}, {@code cuda} (device 0) or {@code cuda:N},
     * case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Device parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Kind kind : Kind.values()) {
            String name = kind.name().toLowerCase(Locale.ROOT);
            if (s.equals(name)) {
                return of(kind, 0);
            }
            if (s.startsWith(name + ":")) {
                try {
                    return of(kind, Integer.parseInt(s.substring(name.length() + 1)));
                } catch (IllegalArgumentException e) {
                    break; // the common message below
                }
            }
        }
        throw new IllegalArgumentException("device '" + text + "' is not one of cpu, cpu:N, cuda, cuda:N");
    }

    /**
     * Parses one device or a comma-separated list of devices of one kind, each at most once
     * ({@code cuda:0,cuda:1}): the devices a model's layers are split over, in layer order.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static List<Device> parseList(String text) {
        List<Device> devices = new ArrayList<>();
        for (String part : (text == null ? "" : text).split(",", -1)) {
            devices.add(parse(part));
        }
        return checkList(devices);
    }

    /**
     * {@code devices} as an unmodifiable list once checked: at least one, all of one kind, none twice.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static List<Device> checkList(List<Device> devices) {
        if (devices == null || devices.isEmpty()) {
            throw new IllegalArgumentException("at least one device is required");
        }
        if (new HashSet<>(devices).size() != devices.size()) {
            throw new IllegalArgumentException("devices " + devices + " name a device twice");
        }
        if (devices.stream().map(Device::kind).distinct().count() > 1) {
            throw new IllegalArgumentException("devices " + devices + " mix kinds; a layer split uses devices of one"
                    + " kind");
        }
        return List.copyOf(devices);
    }

    @Override
    public String toString() {
        String name = kind.name().toLowerCase(Locale.ROOT);
        return kind == Kind.CPU && index == 0 ? name : name + ":" + index;
    }
}
