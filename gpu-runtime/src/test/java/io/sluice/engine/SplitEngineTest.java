package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.model.LlamaModel;
import io.sluice.tensor.Device;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** An engine whose model is split over two devices answers every request as one device does alone. */
class SplitEngineTest {

    @Test
    void everyRequestGetsTheTokensAndLogprobsItGetsAloneOnOneDevice() throws Exception {
        try (LlamaModel one = LlamaModel.load(LlamaEngineTest.STORIES)) {
            List<GenerationRequest> work = ReplaySafetyTest.workload(new Random(77), 6, one.config().vocabSize());
            Map<String, Completion> alone = ReplaySafetyTest.run(one,
                    ReplaySafetyTest.base(one).maxSequences(1).prefixCaching(false).build(), work, i -> { }, e -> { });
            EngineConfig split = ReplaySafetyTest.base(one).devices(List.of(Device.cpu(1), Device.cpu(2)))
                    .maxBatchTokens(64).build();
            Map<String, Completion> batched = ReplaySafetyTest.run(() -> LlamaEngine.open(split), work, i -> { },
                    e -> assertTrue(e.device().startsWith("cpu:1 (layers 0-2), cpu:2 (layers 3-4)"), e.device()));
            ReplaySafetyTest.assertSame(alone, batched, "split over cpu:1, cpu:2");
        }
    }
}
