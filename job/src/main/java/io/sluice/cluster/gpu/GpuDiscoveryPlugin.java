package io.sluice.cluster.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;

/**
 * Lays out the {@code gpu} external resource for a TaskManager started from Sluice's jar: a Flink plugin folder
 * holding a small jar with {@link ScriptGpuDriverFactory} (Flink loads external-resource drivers only from
 * plugins, each in its own class loader), and the discovery script it runs.
 */
public final class GpuDiscoveryPlugin {
    private static final List<Class<?>> CLASSES = List.of(ScriptGpuDriverFactory.class, ScriptGpuDriver.class,
            GpuIndex.class);
    private static final String SCRIPT_RESOURCE = "/io/sluice/cluster/gpu-discovery.sh";

    private GpuDiscoveryPlugin() {
    }

    /** The factory class to name in {@code external-resource.gpu.driver-factory.class}. */
    public static String factoryClass() {
        return ScriptGpuDriverFactory.class.getName();
    }

    /** Writes {@code pluginsDir/sluice-gpu/sluice-gpu-discovery.jar}. */
    public static void writePlugin(Path pluginsDir) throws IOException {
        Path dir = Files.createDirectories(pluginsDir.resolve("sluice-gpu"));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(dir.resolve("sluice-gpu-discovery.jar")))) {
            for (Class<?> c : CLASSES) {
                String name = c.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(name));
                try (InputStream in = resource("/" + name)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry("META-INF/services/" + ExternalResourceDriverFactory.class.getName()));
            jar.write((ScriptGpuDriverFactory.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
    }

    /** Writes the discovery script (executable) to {@code target}. */
    public static Path writeDiscoveryScript(Path target) throws IOException {
        try (InputStream in = resource(SCRIPT_RESOURCE); OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        return target;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = GpuDiscoveryPlugin.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is missing from Sluice's jar");
        }
        return in;
    }
}
