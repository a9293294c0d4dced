package io.sluice.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/**
 * A Flink job restart loads the engine again in a new user class loader of the same TaskManager JVM. The
 * native kernels must bind again there (a JVM refuses one library file to a second class loader).
 */
class NativeLibraryReloadTest {

    @Test
    void eachNewClassLoaderLoadsAndCallsTheNativeKernels() throws Exception {
        boolean expectNative = Int8Kernels.active() instanceof NativeInt8Kernel;
        URL classes = NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation();
        URL slf4j = org.slf4j.LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
        Class<?> previous = Int8Kernels.class;
        for (int restart = 0; restart < 3; restart++) {
            try (URLClassLoader loader = new URLClassLoader(new URL[] {classes, slf4j},
                    ClassLoader.getPlatformClassLoader())) {
                Class<?> kernels = Class.forName(Int8Kernels.class.getName(), true, loader);
                assertNotSame(previous, kernels, "a fresh class loader must define its own classes");
                previous = kernels;
                Object kernel = kernels.getMethod("active").invoke(null);
                String name = (String) kernel.getClass().getMethod("name").invoke(kernel);
                Object reason = kernels.getMethod("nativeUnavailableReason").invoke(null);
                assertEquals(expectNative, name.startsWith("native-"), "restart " + restart + ": " + name + ", " + reason);
                if (expectNative) {
                    // A native method of this loader's class answers: the library is bound to it.
                    Method isa = Class.forName(NativeInt8Kernel.class.getName(), true, loader)
                            .getDeclaredMethod("supportedIsa");
                    isa.setAccessible(true);
                    assertTrue((int) isa.invoke(null) > 0);
                }
            }
        }
    }
}
