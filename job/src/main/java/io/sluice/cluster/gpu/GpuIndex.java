package io.sluice.cluster.gpu;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/** One GPU a discovery script found, identified as Flink's GPU plugin identifies it: by its {@code index}. */
record GpuIndex(String index) implements ExternalResourceInfo {
    static final String INDEX = "index";

    @Override
    public Optional<String> getProperty(String key) {
        return INDEX.equals(key) ? Optional.of(index) : Optional.empty();
    }

    @Override
    public Collection<String> getKeys() {
        return List.of(INDEX);
    }
}
