package io.sluice.engine;

import io.sluice.sampling.SamplingParams;
import io.sluice.sampling.StopConditions;
import io.sluice.tokenizer.ChatMessage;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One generation request. Exactly one of {@code promptIds}, {@code prompt} (text, tokenized with the model's
 * tokenizer) and {@code messages} (rendered with the model's chat template) is set. {@code maxTokens} 0 only
 * scores the prompt. {@code priority}: higher runs first. {@code logprobs}: top-K candidates per generated
 * token (0 = none); {@code promptLogprobs}: top-K per prompt position (-1 = none). {@code speculate}: false
 * keeps the engine's speculative decoding off for this request.
 */
public record GenerationRequest(
        String id,
        int[] promptIds,
        String prompt,
        List<ChatMessage> messages,
        SamplingParams sampling,
        int maxTokens,
        Set<Integer> stopTokenIds,
        List<String> stopStrings,
        boolean ignoreEos,
        int priority,
        int logprobs,
        int promptLogprobs,
        boolean speculate) {

    /** A request that allows speculation. */
    public GenerationRequest(String id, int[] promptIds, String prompt, List<ChatMessage> messages,
                             SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds,
                             List<String> stopStrings, boolean ignoreEos, int priority, int logprobs,
                             int promptLogprobs) {
        this(id, promptIds, prompt, messages, sampling, maxTokens, stopTokenIds, stopStrings, ignoreEos, priority,
                logprobs, promptLogprobs, true);
    }

    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sampling, "sampling");
        int inputs = (promptIds != null ? 1 : 0) + (prompt != null ? 1 : 0) + (messages != null ? 1 : 0);
        if (inputs != 1) {
            throw new IllegalArgumentException("a request needs exactly one of prompt ids, prompt text or messages");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max_tokens must be >= 0, got " + maxTokens);
        }
        if (logprobs < 0 || promptLogprobs < -1) {
            throw new IllegalArgumentException("logprobs must be >= 0 and prompt logprobs >= -1");
        }
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        messages = messages == null ? null : List.copyOf(messages);
    }

    /** When this request's generation ends by token, with the model's end-of-generation ids. */
    public StopConditions stopConditions(int... endOfGenerationIds) {
        return StopConditions.of(stopTokenIds, ignoreEos, maxTokens, endOfGenerationIds);
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    public static final class Builder {
        private final String id;
        private int[] promptIds;
        private String prompt;
        private List<ChatMessage> messages;
        private SamplingParams sampling = SamplingParams.GREEDY;
        private int maxTokens = 128;
        private Set<Integer> stopTokenIds = Set.of();
        private List<String> stopStrings = List.of();
        private boolean ignoreEos;
        private int priority;
        private int logprobs;
        private int promptLogprobs = -1;
        private boolean speculate = true;

        private Builder(String id) {
            this.id = id;
        }

        public Builder promptIds(int... v) { this.promptIds = v; return this; }
        public Builder prompt(String v) { this.prompt = v; return this; }
        public Builder messages(List<ChatMessage> v) { this.messages = v; return this; }
        public Builder sampling(SamplingParams v) { this.sampling = v; return this; }
        public Builder maxTokens(int v) { this.maxTokens = v; return this; }
        public Builder stopTokenIds(Set<Integer> v) { this.stopTokenIds = v; return this; }
        public Builder stopStrings(List<String> v) { this.stopStrings = v; return this; }
        public Builder ignoreEos(boolean v) { this.ignoreEos = v; return this; }
        public Builder priority(int v) { this.priority = v; return this; }
        public Builder logprobs(int v) { this.logprobs = v; return this; }
        public Builder promptLogprobs(int v) { this.promptLogprobs = v; return this; }
        public Builder speculate(boolean v) { this.speculate = v; return this; }

        public GenerationRequest build() {
            return new GenerationRequest(id, promptIds, prompt, messages, sampling, maxTokens, stopTokenIds,
                    stopStrings, ignoreEos, priority, logprobs, promptLogprobs, speculate);
        }
    }
}
