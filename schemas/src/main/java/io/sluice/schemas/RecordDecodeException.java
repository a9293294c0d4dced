package io.sluice.schemas;

/** Bytes that are not a readable record of the expected schema; {@link #kind()} says which way. */
public final class RecordDecodeException extends Exception {

    /** Why the bytes could not be read. */
    public enum Kind {
        /** Not Avro single-object encoding, or a payload that is cut short, corrupt or has trailing bytes. */
        UNDECODABLE,
        /** Well-formed, but written with a schema that is not a known version of the expected record. */
        WRONG_SCHEMA
    }

    private final Kind kind;

    public RecordDecodeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
