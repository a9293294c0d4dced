package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.kv.KvType;
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
    void devicesPinGpusAndSplitTheLayersOverThem() {
        JobConfig split = JobConfigLoader.load(JOB, List.of("model.devices=[0, 1]"));
        assertEquals(List.of(0, 1), split.model().devices());
        assertEquals(new DevicePreference(DevicePreference.Mode.CUDA, 0, List.of(0, 1)),
                split.engineSettings().devicePreference());
        assertEquals("model.devices [0, 1] splits the model over those GPUs; model.device cpu contradicts it: leave"
                + " model.device at auto", assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(JOB,
                List.of("model.devices=[0, 1]", "model.device=cpu"))).getMessage());
        assertEquals("model.devices [0, 0]: devices [cuda:0, cuda:0] name a device twice",
                assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(JOB,
                        List.of("model.devices=[0, 0]"))).getMessage());
    }

    @Test
    void theKvTypeIsNamedOrTheOld8BitSwitch() {
        // F32 unless named (the engine's default: exact keys and values)
        assertEquals(KvType.F32, JobConfigLoader.load(JOB, List.of()).engineSettings().kvType());
        assertEquals(KvType.F32, JobConfigLoader.load(JOB, List.of("model.kv-type=f32")).engineSettings().kvType());
        assertEquals(KvType.F16, JobConfigLoader.load(JOB, List.of("model.kv-type=f16")).engineSettings().kvType());
        assertEquals(KvType.Q8, JobConfigLoader.load(JOB, List.of("model.kv-8bit=true")).engineSettings().kvType());
        assertEquals("model.kv-8bit and model.kv-type f16 contradict each other: give one",
                assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(JOB,
                        List.of("model.kv-8bit=true", "model.kv-type=f16"))).getMessage());
        assertEquals("model.kv-type: KV type 'f8' is not one of f32, f16, q8", assertThrows(
                IllegalArgumentException.class, () -> JobConfigLoader.load(JOB, List.of("model.kv-type=f8")))
                .getMessage());
    }

    @Test
    void anUnknownDeviceNamesTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(JOB, List.of("model.device=gpu")));
        assertEquals("model.device: device 'gpu' is not one of auto, cpu, cuda, cuda:N", e.getMessage());
    }
}
