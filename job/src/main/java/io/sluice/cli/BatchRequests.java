package io.sluice.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.GenerationRequest;
import io.sluice.operators.inference.RequestMapping;
import io.sluice.operators.validate.DeadLetterReason;
import io.sluice.operators.validate.JsonRequestDecoder;
import io.sluice.operators.validate.Rejection;
import io.sluice.operators.validate.RequestRules;
import io.sluice.operators.validate.ValidationLimits;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.util.Optional;
import java.util.Set;

/**
 * Turns one JSON line of {@code sluice batch} input into the engine request the job would make of the same
 * line: decoded by the job's {@link JsonRequestDecoder} (the one JSON request format, the PromptRequest
 * schema's fields), checked by its {@link RequestRules}, mapped by its {@link RequestMapping}. Anything the
 * job would dead-letter is an IllegalArgumentException with the job's words ({@code REASON: message} for a
 * rule).
 */
final class BatchRequests {

    /** The same words for an empty text and an empty id list, as the job's EMPTY_PROMPT dead letter. */
    static final String EMPTY_PROMPT = DeadLetterReason.EMPTY_PROMPT.name() + ": the prompt is empty";

    /**
     * Batch has one model, its {@code --model} file, and no job limit on {@code max_tokens} (the engine still
     * refuses what does not fit the model's context).
     */
    private static final String THE_MODEL = "the --model file";
    private static final ValidationLimits LIMITS = new ValidationLimits(Set.of(THE_MODEL), Integer.MAX_VALUE);

    private BatchRequests() {
    }

    /** The engine request for one line; its id is the request's {@code request_id}. */
    static GenerationRequest fromJson(ObjectNode json) {
        PromptRequest request;
        try {
            request = JsonRequestDecoder.fromJson(json);
        } catch (RecordDecodeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        // a request's model chooses among the job's served models; batch serves the one it was given
        request.setModel(null);
        Optional<Rejection> rejection = RequestRules.check(request, LIMITS);
        if (rejection.isPresent()) {
            throw new IllegalArgumentException(rejection.get().reason().name() + ": " + rejection.get().message());
        }
        return RequestMapping.toEngine(request, request.getRequestId());
    }
}
