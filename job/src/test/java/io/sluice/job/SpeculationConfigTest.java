package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.SpeculationConfig;
import io.sluice.operators.inference.Device;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** job.yaml's model.draft-path and speculation.* reach the engine configuration. */
class SpeculationConfigTest {

    private static final Path JOB = Path.of("../conf/job.yaml");

    @Test
    void offByDefault() {
        JobConfig config = JobConfigLoader.load(JOB, List.of());
        assertFalse(config.engineSettings().toConfig(Device.CPU).speculation().enabled());
    }

    @Test
    void draftModelAndModeFromTheConfiguration() {
        JobConfig config = JobConfigLoader.load(JOB, List.of("model.draft-path=models/shakespeare-draft.gguf",
                "speculation.max-draft-tokens=6", "speculation.mode=rejection"));
        SpeculationConfig s = config.engineSettings().toConfig(Device.CPU).speculation();
        assertEquals(Path.of("models/shakespeare-draft.gguf"), s.draftModel());
        assertEquals(6, s.maxDraftTokens());
        assertEquals(SpeculationConfig.SpecMode.REJECTION, s.mode());
        assertTrue(JobConfigLoader.load(JOB, List.of("speculation.prompt-lookup=true")).engineSettings()
                .toConfig(Device.CPU).speculation().promptLookup());
    }

    @Test
    void badValuesFailAtStartWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(JOB, List.of("speculation.mode=fast")));
        assertTrue(e.getMessage().contains("speculation.mode must be exact or rejection"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(JOB,
                List.of("speculation.prompt-lookup=true", "model.draft-path=d.gguf")));
    }
}
