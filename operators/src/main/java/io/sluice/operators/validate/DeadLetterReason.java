package io.sluice.operators.validate;

import io.sluice.engine.EngineException;

/** The stable error codes of the dead-letter topic. */
public enum DeadLetterReason {
    /** Not a record at all: no Avro single-object header, truncated, corrupt, or malformed JSON. */
    UNDECODABLE,
    /** A well-formed record of another schema (or JSON of another shape). */
    WRONG_SCHEMA,
    /** A record larger than the job's request size limit ({@code limits.max-request-bytes}); not decoded. */
    REQUEST_TOO_LARGE,
    /** No request_id, or more than one of prompt / prompt_ids / messages. */
    INVALID_REQUEST,
    /** No prompt text, no prompt ids and no message content. */
    EMPTY_PROMPT,
    /** The prompt does not leave room for a single generated token in the model's context. */
    PROMPT_TOO_LONG,
    /** A prompt id outside the model's vocabulary. */
    TOKEN_OUT_OF_VOCABULARY,
    /** A sampling parameter out of range (temperature, max_tokens, top_p, top_k, min_p, penalty, stop). */
    INVALID_PARAMETERS,
    /** A model this job does not serve. */
    UNKNOWN_MODEL,
    /** The request's deadline passed before it reached the engine. */
    DEADLINE_EXCEEDED,
    /** The messages could not be rendered with the model's chat template. */
    TEMPLATE_ERROR,
    /** The engine failed the request. */
    ENGINE_FAILURE;

    /** The reason for a request the engine refused or failed. */
    public static DeadLetterReason of(Throwable engineFailure) {
        if (engineFailure instanceof EngineException e) {
            return switch (e.code()) {
                case PROMPT_TOO_LONG, DOES_NOT_FIT -> PROMPT_TOO_LONG;
                case TOKEN_OUT_OF_VOCABULARY -> TOKEN_OUT_OF_VOCABULARY;
                case INVALID_REQUEST -> INVALID_PARAMETERS;
                case TEMPLATE_ERROR -> TEMPLATE_ERROR;
                case CANCELLED, ENGINE_CLOSED, INTERNAL -> ENGINE_FAILURE;
            };
        }
        return ENGINE_FAILURE;
    }
}
