package io.sluice.tensor.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link Int8Kernel} once per class loader: native SIMD when the library loads and the CPU has
 * AVX2 (AVX-512 VNNI preferred), else the Java one (one warning with the reason). All compute the same bits.
 * {@code -Dsluice.cpu.backend=scalar} or {@code -Dsluice.cpu.native=false} keeps the Java path.
 */
public final class Int8Kernels {
    private static final Logger LOG = LoggerFactory.getLogger(Int8Kernels.class);

    private Int8Kernels() {
    }

    /** The kernel every quantized product uses. */
    public static Int8Kernel active() {
        return Holder.ACTIVE;
    }

    /** Why the native kernels are not in use, or null when they are. */
    public static String nativeUnavailableReason() {
        return Holder.REASON;
    }

    private static final class Holder {
        static final String REASON;
        static final Int8Kernel ACTIVE;

        static {
            String reason;
            Int8Kernel kernel = ScalarInt8Kernel.INSTANCE;
            if ("scalar".equals(System.getProperty("sluice.cpu.backend"))
                    || "false".equals(System.getProperty("sluice.cpu.native"))) {
                reason = "disabled by a system property";
            } else {
                reason = NativeLibrary.load().orElse(null);
                if (reason == null) {
                    int isa = NativeInt8Kernel.supportedIsa();
                    if (isa == 0) {
                        reason = "the CPU has no AVX2";
                    } else {
                        kernel = new NativeInt8Kernel(isa);
                    }
                }
                if (reason != null) {
                    LOG.warn("CPU kernels for quantized weights run in Java: {}", reason);
                }
            }
            REASON = reason;
            ACTIVE = kernel;
        }
    }
}
