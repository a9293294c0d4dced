package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.operators.inference.DevicePreference;
import io.sluice.operators.inference.SharedEngineProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code model.device} in job.yaml: its default, and how it reaches the operators' engine provider. */
class JobDeviceConfigTest {

    private static final Path JOB = Path.of("../conf/job.yaml");

    @Test
    void theDeviceFlowsIntoTheEngineSettings() {
        assertEquals(DevicePreference.AUTO,
                JobConfigLoader.load(JOB, List.of()).engineSettings().devicePreference());
        JobConfig pinned = JobConfigLoader.load(JOB, List.of("model.device=cuda:1"));
        assertEquals("cuda:1", pinned.model().device());
        SharedEngineProvider provider = new SharedEngineProvider(pinned.engineSettings());
        assertEquals(DevicePreference.parse("cuda:1"), new FailFastEngineProvider(provider).devicePreference());
    }

    @Test
    void anUnknownDeviceNamesTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(JOB, List.of("model.device=gpu")));
        assertEquals("model.device: device 'gpu' is not one of auto, cpu, cuda, cuda:N", e.getMessage());
    }
}
