package io.sluice.engine;

/**
 * A request the engine cannot serve, with a stable code that callers (the Flink job's dead-letter topic,
 * the batch tool's error lines) report alongside the message.
 */
public class EngineException extends RuntimeException {

    /** Stable reasons, usable as dead-letter error codes. */
    public enum Code {
        INVALID_REQUEST,
        TOKEN_OUT_OF_VOCABULARY,
        PROMPT_TOO_LONG,
        DOES_NOT_FIT,
        TEMPLATE_ERROR,
        CANCELLED,
        ENGINE_CLOSED,
        INTERNAL
    }

    private final Code code;

    public EngineException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public EngineException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The end of a request whose cancel was accepted. */
    static EngineException cancelled(String requestId) {
        return new EngineException(Code.CANCELLED, "request " + requestId + " was cancelled");
    }

    public Code code() {
        return code;
    }
}
