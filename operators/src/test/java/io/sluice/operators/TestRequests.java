package io.sluice.operators;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RawRecord;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.SamplingParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Requests for operator tests. */
public final class TestRequests {
    private TestRequests() {
    }

    /** A request with {@code tokens} prompt ids (1, 2, 3, ...), greedy, 4 tokens to generate. */
    public static PromptRequest request(String id, int tokens) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < tokens; i++) {
            ids.add(1 + i);
        }
        return PromptRequest.newBuilder().setRequestId(id).setPromptIds(ids)
                .setSampling(SamplingParameters.newBuilder().setMaxTokens(4).setTemperature(0.7f).build())
                .setAttributes(Map.of("id", id)).build();
    }

    public static PendingRequest pending(String id, int tokens) {
        return pending(request(id, tokens));
    }

    public static PendingRequest pending(PromptRequest request) {
        byte[] bytes = AvroCodec.PROMPT_REQUEST.encode(request);
        return new PendingRequest(request, new RawRecord("prompts", 0, 7, 1000L, bytes),
                request.getPromptIds() == null ? 3 : request.getPromptIds().size());
    }
}
