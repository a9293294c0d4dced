package io.sluice.tensor.cpu;

import io.sluice.tensor.cpu.scalar.ScalarBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the CPU backend once per JVM: the Vector API one when the {@code jdk.incubator.vector} module is
 * in the boot layer (the JVM was started with {@code --add-modules jdk.incubator.vector}), the scalar one
 * otherwise, with a single warning. The vector classes are loaded by name so that nothing touches the
 * incubator module when it is absent. The system property {@code sluice.cpu.backend=scalar} forces the
 * scalar backend.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_BACKEND = "io.sluice.tensor.cpu.vector.VectorBackend";

    private Backends() {
    }

    /** The backend every tensor uses unless told otherwise. */
    public static CpuBackend active() {
        return Holder.ACTIVE;
    }

    /** The scalar backend (also for tests and comparisons). */
    public static CpuBackend scalar() {
        return ScalarBackend.INSTANCE;
    }

    /** Whether the Vector API module is present in this JVM. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * An instance of the Vector API class {@code className} when the incubator module is present and the class
     * starts, else empty. Loaded by name, so that nothing touches the module when it is absent.
     */
    public static <T> java.util.Optional<T> vectorInstance(String className, Class<T> type) {
        if (!vectorModulePresent()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(type.cast(Class.forName(className).getDeclaredConstructor().newInstance()));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static CpuBackend choose() {
        if ("scalar".equals(System.getProperty("sluice.cpu.backend"))) {
            LOG.info("CPU kernels: scalar backend (forced by sluice.cpu.backend=scalar)");
            return ScalarBackend.INSTANCE;
        }
        if (!vectorModulePresent()) {
            LOG.warn("CPU kernels run without SIMD: module {} is not present; start the JVM with "
                    + "--add-modules {} for several times faster inference", VECTOR_MODULE, VECTOR_MODULE);
            return ScalarBackend.INSTANCE;
        }
        try {
            CpuBackend vector = (CpuBackend) Class.forName(VECTOR_BACKEND).getDeclaredConstructor().newInstance();
            LOG.debug("CPU kernels: {} backend", vector.name());
            return vector;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.warn("CPU kernels run without SIMD: the Vector API backend failed to start ({})", e.toString());
            return ScalarBackend.INSTANCE;
        }
    }

    private static final class Holder {
        static final CpuBackend ACTIVE = choose();
    }
}
