package io.sluice.operators.validate;

import io.sluice.schemas.Message;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.SamplingParameters;
import java.util.List;
import java.util.Optional;

/** The checks a request must pass before it is batched, and those against the engine's model before it runs. */
public final class RequestRules {

    /** Stop strings per request, at most. */
    public static final int MAX_STOP_STRINGS = 16;

    private RequestRules() {
    }

    /** Checks that need no model: identity, prompt, parameters, model name. */
    public static Optional<Rejection> check(PromptRequest request, ValidationLimits limits) {
        if (request.getRequestId() == null || request.getRequestId().isBlank()) {
            return reject(DeadLetterReason.INVALID_REQUEST, "request_id is missing");
        }
        int inputs = (request.getPrompt() != null ? 1 : 0) + (request.getPromptIds() != null ? 1 : 0)
                + (request.getMessages() != null ? 1 : 0);
        if (inputs > 1) {
            return reject(DeadLetterReason.INVALID_REQUEST, "set only one of prompt, prompt_ids and messages");
        }
        if (isEmptyPrompt(request)) {
            return reject(DeadLetterReason.EMPTY_PROMPT, "the prompt is empty");
        }
        if (request.getMessages() != null) {
            for (Message m : request.getMessages()) {
                if (m.getRole() == null || m.getRole().isBlank()) {
                    return reject(DeadLetterReason.INVALID_REQUEST, "a message has no role");
                }
            }
        }
        if (request.getPromptIds() != null) {
            for (int id : request.getPromptIds()) {
                if (id < 0) {
                    return reject(DeadLetterReason.TOKEN_OUT_OF_VOCABULARY, "negative prompt id " + id);
                }
            }
        }
        Optional<Rejection> parameters = checkSampling(request.getSampling(), limits);
        if (parameters.isPresent()) {
            return parameters;
        }
        if (request.getModel() != null && !limits.servedModels().contains(request.getModel())) {
            return reject(DeadLetterReason.UNKNOWN_MODEL, "model '" + request.getModel()
                    + "' is not served here (served: " + String.join(", ", limits.servedModels().stream().sorted()
                    .toList()) + ")");
        }
        return Optional.empty();
    }

    /** Checks against the model: prompt ids in its vocabulary, prompt and max_tokens within its context. */
    public static Optional<Rejection> checkAgainstModel(PromptRequest request, int contextLength, int vocabularySize) {
        List<Integer> ids = request.getPromptIds();
        if (ids != null) {
            for (int id : ids) {
                if (id >= vocabularySize) {
                    return reject(DeadLetterReason.TOKEN_OUT_OF_VOCABULARY,
                            "prompt id " + id + " is outside the vocabulary of " + vocabularySize);
                }
            }
            if (ids.size() >= contextLength) {
                return reject(DeadLetterReason.PROMPT_TOO_LONG, "the prompt has " + ids.size()
                        + " tokens; the model's context holds " + contextLength + " with at least one generated");
            }
        }
        int maxTokens = request.getSampling().getMaxTokens();
        if (maxTokens >= contextLength) {
            return reject(DeadLetterReason.INVALID_PARAMETERS, "max_tokens " + maxTokens
                    + " does not fit the model's context of " + contextLength + " tokens");
        }
        return Optional.empty();
    }

    private static boolean isEmptyPrompt(PromptRequest request) {
        if (request.getPrompt() != null) {
            return request.getPrompt().isEmpty();
        }
        if (request.getPromptIds() != null) {
            return request.getPromptIds().isEmpty();
        }
        if (request.getMessages() != null) {
            return request.getMessages().stream().allMatch(m -> m.getContent() == null || m.getContent().isEmpty());
        }
        return true;
    }

    private static Optional<Rejection> checkSampling(SamplingParameters s, ValidationLimits limits) {
        if (s.getMaxTokens() <= 0 || s.getMaxTokens() > limits.maxTokens()) {
            return invalid("max_tokens must be in 1.." + limits.maxTokens() + ", got " + s.getMaxTokens());
        }
        float temperature = s.getTemperature();
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            return invalid("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(s.getTopP() > 0f && s.getTopP() <= 1f)) {
            return invalid("top_p must be in (0, 1], got " + s.getTopP());
        }
        if (s.getTopK() < 0) {
            return invalid("top_k must be >= 0 (0 = off), got " + s.getTopK());
        }
        if (!(s.getMinP() >= 0f && s.getMinP() <= 1f)) {
            return invalid("min_p must be in [0, 1], got " + s.getMinP());
        }
        if (!(s.getRepetitionPenalty() > 0f) || Float.isInfinite(s.getRepetitionPenalty())) {
            return invalid("repetition_penalty must be a finite number > 0, got " + s.getRepetitionPenalty());
        }
        List<String> stop = s.getStop();
        if (stop != null) {
            if (stop.size() > MAX_STOP_STRINGS) {
                return invalid("at most " + MAX_STOP_STRINGS + " stop strings, got " + stop.size());
            }
            if (stop.stream().anyMatch(String::isEmpty)) {
                return invalid("a stop string is empty");
            }
        }
        return Optional.empty();
    }

    private static Optional<Rejection> invalid(String message) {
        return reject(DeadLetterReason.INVALID_PARAMETERS, message);
    }

    private static Optional<Rejection> reject(DeadLetterReason reason, String message) {
        return Optional.of(new Rejection(reason, message));
    }
}
