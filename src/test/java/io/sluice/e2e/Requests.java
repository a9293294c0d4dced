package io.sluice.e2e;

import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.SamplingParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prompt requests for the end-to-end tests. */
final class Requests {
    private Requests() {
    }

    /** BOS and a few Shakespeare token ids, different per index. */
    static List<Integer> promptIds(int index, int length) {
        List<Integer> ids = new ArrayList<>();
        ids.add(1);
        for (int i = 1; i < length; i++) {
            ids.add(20 + (index * 37 + i * 11) % 900);
        }
        return ids;
    }

    static PromptRequest ids(String id, int index, int maxTokens, float temperature) {
        return PromptRequest.newBuilder().setRequestId(id).setPromptIds(promptIds(index, 6))
                .setSampling(SamplingParameters.newBuilder().setMaxTokens(maxTokens).setTemperature(temperature).build())
                .setAttributes(Map.of("index", Integer.toString(index), "suite", "e2e"))
                .setCreatedAt(System.currentTimeMillis())
                .build();
    }

    static PromptRequest text(String id, String prompt, int maxTokens) {
        return PromptRequest.newBuilder().setRequestId(id).setPrompt(prompt)
                .setSampling(SamplingParameters.newBuilder().setMaxTokens(maxTokens).setTemperature(0.8f).build())
                .setAttributes(Map.of("prompt", prompt))
                .setCreatedAt(System.currentTimeMillis())
                .build();
    }
}
