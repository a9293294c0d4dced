package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.gguf.GgufException;
import io.sluice.kv.KvType;
import io.sluice.operators.inference.Device;
import io.sluice.operators.inference.EngineProvider;
import io.sluice.operators.inference.EngineSettings;
import io.sluice.operators.inference.SharedEngineProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailFastEngineProviderTest {

    @Test
    void anEngineThatCanNeverOpenStopsTheJobInsteadOfRestartingIt(@TempDir Path dir) throws Exception {
        byte[] model = Files.readAllBytes(Path.of("../models/shakespeare.gguf"));
        Path broken = dir.resolve("broken.gguf");
        Files.write(broken, Arrays.copyOf(model, model.length / 3));
        EngineProvider truncated = new FailFastEngineProvider(new SharedEngineProvider(
                EngineSettings.defaults(broken.toString())));
        SuppressRestartsException e = assertThrows(SuppressRestartsException.class, () -> truncated.acquire(Device.CPU));
        assertSame(GgufException.class, e.getCause().getClass());

        EngineSettings tiny = EngineSettings.defaults("../models/shakespeare.gguf");
        EngineProvider noKv = new FailFastEngineProvider(new SharedEngineProvider(new EngineSettings(tiny.modelPath(),
                tiny.maxSequences(), tiny.maxBatchTokens(), tiny.kvBlockSize(), 1, tiny.kvCacheFraction(),
                tiny.kvType() == KvType.Q8, tiny.prefixCaching())));
        assertThrows(SuppressRestartsException.class, () -> noKv.acquire(Device.CPU));
    }

    @Test
    void passingTroubleIsLeftToFlinksRestarts() {
        IOException io = new IOException("disk hiccup");
        EngineProvider flaky = new FailFastEngineProvider(device -> {
            throw io;
        });
        assertSame(io, assertThrows(IOException.class, () -> flaky.acquire(Device.CPU)));
    }
}
