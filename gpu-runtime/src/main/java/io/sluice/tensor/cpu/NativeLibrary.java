package io.sluice.tensor.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Loads the native CPU kernels packed in the jar ({@value #RESOURCE}) for linux-x86_64.
 *
 * <p>A JVM binds a native library to the first class loader that loads it, and refuses the same file to
 * another. A Flink job restart makes a new user class loader in the same TaskManager, so every load copies
 * the library to a fresh temporary file: each class loader gets its own copy (deleted when the JVM exits),
 * and a restarted job loads it again instead of failing.
 */
public final class NativeLibrary {
    static final String RESOURCE = "/native/linux-x86_64/libsluice_cpu.so";

    private NativeLibrary() {
    }

    /**
     * Loads the library once per class loader.
     *
     * @return the reason it cannot be used, or empty when it is loaded
     */
    static Optional<String> load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Optional.of("no native kernels for " + os + "-" + arch);
        }
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.of("this build has no native kernels (gcc was not found when it was built)");
            }
            Path copy = Files.createTempFile("sluice-cpu-", ".so");
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            System.load(copy.toAbsolutePath().toString());
            return Optional.empty();
        } catch (IOException | LinkageError | SecurityException e) {
            return Optional.of("the native kernels failed to load (" + e + ")");
        }
    }
}
