package io.sluice.engine;

import io.sluice.sampling.TokenLogprob;
import java.util.List;

/**
 * The result of one request. {@code logprobs} has one entry per generated token (its top-K candidates,
 * best first) when requested, else null; {@code promptLogprobs} has one entry per prompt position, null at
 * position 0, when requested, else null. {@code cachedTokens} counts prompt tokens served by the prefix cache.
 */
public record Completion(
        String requestId,
        int[] tokenIds,
        String text,
        FinishReason finishReason,
        int promptTokens,
        int cachedTokens,
        int completionTokens,
        List<List<TokenLogprob>> logprobs,
        List<List<TokenLogprob>> promptLogprobs,
        RequestTimings timings) {
}
