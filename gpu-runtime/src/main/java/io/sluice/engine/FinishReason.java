package io.sluice.engine;

/** Why generation ended: a stop token / EOS / stop string, or the token limit (max tokens or context). */
public enum FinishReason {
    STOP("stop"),
    LENGTH("length");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in JSON and Avro output ("stop", "length"). */
    public String wireName() {
        return wireName;
    }
}
