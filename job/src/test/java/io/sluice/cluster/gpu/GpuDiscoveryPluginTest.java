package io.sluice.cluster.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.externalresource.ExternalResourceDriver;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DelegatingConfiguration;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;
import org.apache.flink.core.plugin.PluginManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gpu resource as a TaskManager loads it: the written plugin folder, Flink's plugin manager, the script. */
class GpuDiscoveryPluginTest {

    private static Set<String> indexesFound(Path dir, String scriptBody) throws Exception {
        Path plugins = dir.resolve("plugins");
        GpuDiscoveryPlugin.writePlugin(plugins);
        Path script = dir.resolve("discover.sh");
        Files.writeString(script, "#!/usr/bin/env bash\n" + scriptBody + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Configuration config = new Configuration();
        config.setString("external-resources", "gpu");
        config.setString("external-resource.gpu.amount", "2");
        config.setString("external-resource.gpu.driver-factory.class", GpuDiscoveryPlugin.factoryClass());
        config.setString("external-resource.gpu.param.discovery-script.path", script.toString());
        PluginManager plugins2 = new DefaultPluginManager(new DirectoryBasedPluginFinder(plugins).findPlugins(),
                CoreOptions.getPluginParentFirstLoaderPatterns(config));
        // What a TaskManager does (ExternalResourceUtils): the factories the plugins offer, the one named in
        // driver-factory.class, given the resource's param.* settings.
        ExternalResourceDriverFactory factory = null;
        for (Iterator<ExternalResourceDriverFactory> it = plugins2.load(ExternalResourceDriverFactory.class); it.hasNext(); ) {
            ExternalResourceDriverFactory f = it.next();
            if (f.getClass().getName().equals(config.getString("external-resource.gpu.driver-factory.class", ""))) {
                factory = f;
            }
        }
        assertNotNull(factory, "the plugin's driver factory was not found");
        // Loaded in the plugin's own class loader, as in a TaskManager.
        assertNotSame(GpuDiscoveryPlugin.class.getClassLoader(), factory.getClass().getClassLoader());
        ExternalResourceDriver driver = factory.createExternalResourceDriver(
                new DelegatingConfiguration(config, "external-resource.gpu.param."));
        Set<? extends ExternalResourceInfo> gpus = driver.retrieveResourceInfo(2);
        return gpus.stream().map(g -> g.getProperty("index").orElseThrow()).collect(Collectors.toSet());
    }

    @Test
    void theTaskManagerFindsTheGpusTheScriptPrints(@TempDir Path dir) throws Exception {
        assertEquals(Set.of("0", "3"), indexesFound(dir, "echo 0,3"));
    }

    @Test
    void aMachineWithoutGpusHasNone(@TempDir Path dir) throws Exception {
        assertEquals(Set.of(), indexesFound(dir, "exit 0"));
    }

    @Test
    void theBundledScriptFindsNoneWithoutNvidiaSmi(@TempDir Path dir) throws Exception {
        Path script = GpuDiscoveryPlugin.writeDiscoveryScript(dir.resolve("gpu-discovery.sh"));
        ScriptGpuDriver driver = new ScriptGpuDriver(script, java.util.List.of());
        boolean hasNvidiaSmi = new ProcessBuilder("bash", "-c", "command -v nvidia-smi").start().waitFor() == 0;
        if (!hasNvidiaSmi) {
            assertEquals(Set.of(), driver.retrieveResourceInfo(1));
        } else {
            assertTrue(driver.retrieveResourceInfo(1).size() <= 1);
        }
    }

    @Test
    void outputThatIsNotIndexesOrAFailingScriptFailsTheDiscovery(@TempDir Path dir) {
        assertThrows(IOException.class, () -> ScriptGpuDriver.parse("GPU-1f2e", 1));
        assertEquals(Set.of(new GpuIndex("2")), assertDoesNotThrowParse("starting\n2,5", 1));
        Exception failed = assertThrows(Exception.class, () -> indexesFound(dir, "echo broken >&2; exit 3"));
        assertTrue(failed.getMessage().contains("exited with 3"), failed.getMessage());
    }

    private static Set<GpuIndex> assertDoesNotThrowParse(String output, long amount) {
        try {
            return ScriptGpuDriver.parse(output, amount);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
