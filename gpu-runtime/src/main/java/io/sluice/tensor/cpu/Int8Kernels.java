package io.sluice.tensor.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link Int8Kernel} once per class loader: native SIMD when the library loads and the CPU has
 * AVX2 (AVX-512 VNNI preferred, with AMX tiles for batches where Linux grants them), else the Java Vector API
 * one when its module is present, else the scalar one (one warning with the reason the native kernels are not
 * used). All compute the same bits.
 * {@code -Dsluice.cpu.native=false} keeps the Java paths; {@code -Dsluice.cpu.amx=false} VNNI without tiles
 * (to compare the two on one jar); {@code -Dsluice.cpu.backend=scalar} the scalar one.
 */
public final class Int8Kernels {
    private static final Logger LOG = LoggerFactory.getLogger(Int8Kernels.class);
    private static final String VECTOR_KERNEL = "io.sluice.tensor.cpu.vector.VectorInt8Kernel";

    private Int8Kernels() {
    }

    /** The kernel every quantized product uses. */
    public static Int8Kernel active() {
        return Holder.ACTIVE;
    }

    /**
     * The Java Vector API kernel when the incubator module is present and the CPU has 256-bit vectors, else
     * empty (loaded by name, so that nothing touches the module when it is absent).
     */
    public static java.util.Optional<Int8Kernel> vector() {
        return Backends.vectorInstance(VECTOR_KERNEL, Int8Kernel.class);
    }

    /** Why the native kernels are not in use, or null when they are. */
    public static String nativeUnavailableReason() {
        return Holder.REASON;
    }

    /** One line where the CPU has AMX tiles but the batched products cannot use them (VNNI runs instead). */
    private static void logAmxUnused() {
        int status = NativeInt8Kernel.amxStatus();
        if (status == NativeInt8Kernel.AMX_REFUSED) {
            LOG.info("CPU has AMX but Linux refused the tile state (arch_prctl ARCH_REQ_XCOMP_PERM): "
                    + "batched int8 products use AVX-512 VNNI");
        } else if (status == NativeInt8Kernel.AMX_NOT_COMPILED) {
            LOG.info("CPU has AMX but the native kernels were built by a compiler without AMX intrinsics: "
                    + "batched int8 products use AVX-512 VNNI");
        }
    }

    private static final class Holder {
        static final String REASON;
        static final Int8Kernel ACTIVE;

        static {
            String reason;
            Int8Kernel kernel = null;
            if ("scalar".equals(System.getProperty("sluice.cpu.backend"))) {
                reason = "disabled by a system property";
                kernel = ScalarInt8Kernel.INSTANCE;
            } else if ("false".equals(System.getProperty("sluice.cpu.native"))) {
                reason = "disabled by a system property";
            } else {
                reason = NativeLibrary.load().orElse(null);
                if (reason == null) {
                    int isa = NativeInt8Kernel.supportedIsa();
                    if (isa == 0) {
                        reason = "the CPU has no AVX2";
                    } else if (isa == NativeInt8Kernel.ISA_AMX && "false".equals(System.getProperty("sluice.cpu.amx"))) {
                        kernel = new NativeInt8Kernel(NativeInt8Kernel.ISA_AVX512_ROWS);
                    } else {
                        kernel = new NativeInt8Kernel(isa);
                        logAmxUnused();
                    }
                }
                if (reason != null) {
                    LOG.warn("CPU kernels for quantized weights run in Java: {}", reason);
                }
            }
            if (kernel == null) {
                kernel = vector().orElse(ScalarInt8Kernel.INSTANCE);
            }
            REASON = reason;
            ACTIVE = kernel;
        }
    }
}
