package io.sluice.gguf;

/** A GGUF file that cannot be read or used: the message is one line naming the problem and the file. */
public class GgufException extends RuntimeException {
    public GgufException(String message) {
        super(message);
    }

    public GgufException(String message, Throwable cause) {
        super(message, cause);
    }
}
