package io.sluice.cluster.gpu;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.externalresource.ExternalResourceDriver;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * The {@code gpu} external resource of {@code demo --cluster}'s TaskManagers, where Flink's GPU plugin (part of
 * the Flink distribution, not of Maven Central) is absent: a driver that runs a discovery script. Configured as
 * Flink's GPU driver is ({@code external-resource.gpu.param.discovery-script.path} and {@code .args}); loaded by
 * Flink's plugin manager from a plugin folder ({@link GpuDiscoveryPlugin}).
 */
public final class ScriptGpuDriverFactory implements ExternalResourceDriverFactory {
    static final ConfigOption<String> SCRIPT = ConfigOptions.key("discovery-script.path").stringType().noDefaultValue();
    static final ConfigOption<String> ARGS = ConfigOptions.key("discovery-script.args").stringType().defaultValue("");

    @Override
    public ExternalResourceDriver createExternalResourceDriver(Configuration config) throws Exception {
        String script = config.get(SCRIPT);
        if (script == null || script.isBlank()) {
            throw new IllegalArgumentException("external-resource.gpu.param." + SCRIPT.key() + " is not set");
        }
        Path path = Path.of(script);
        ScriptGpuDriver.requireExecutable(path);
        List<String> args = Arrays.stream(config.get(ARGS).trim().split("\\s+")).filter(a -> !a.isEmpty()).toList();
        return new ScriptGpuDriver(path, args);
    }
}
