package io.sluice.tensor;

import java.util.Locale;

/**
 * Where a model runs: the typed choice passed when a model is loaded ({@code LlamaModel.load(path, device)}),
 * instead of a JVM-wide switch. {@link #CPU} is the default. CUDA devices carry their ordinal.
 *
 * @param kind the backend family
 * @param index the device ordinal within the family (always 0 for the CPU)
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
        if (index < 0 || (kind == Kind.CPU && index != 0)) {
            throw new IllegalArgumentException("invalid device index " + index + " for " + kind);
        }
    }

    /** CUDA device {@code index}. */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /**
     * Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Device parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("cuda")) {
            return cuda(0);
        }
        if (s.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(s.substring(5)));
            } catch (IllegalArgumentException e) {
                // Falls through to the common message.
            }
        }
        throw new IllegalArgumentException("device '" + text + "' is not one of cpu, cuda, cuda:N");
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
