package io.sluice.gguf;

/** A GGUF file that cannot be read or used: the message is one line naming the problem and the file. */
public class GgufException extends RuntimeException {
    public GgufException(String message) {
        super(oneLine(message));
    }

    public GgufException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Escapes control characters (names read from a hostile file may hold newlines). */
    private static String oneLine(String message) {
        if (message == null || message.chars().noneMatch(Character::isISOControl)) {
            return message;
        }
        StringBuilder sb = new StringBuilder(message.length() + 16);
        message.chars().forEach(c -> {
            if (Character.isISOControl(c)) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        });
        return sb.toString();
    }
}
