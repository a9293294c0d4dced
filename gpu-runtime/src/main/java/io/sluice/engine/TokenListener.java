package io.sluice.engine;

/**
 * Receives a request's tokens as they are generated (streaming). Called from the engine's thread: keep it
 * short and never block. {@code textDelta} never ends inside a UTF-8 character.
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * The token id of a delta that comes with no token: when a stop token ends the text, the characters held back
     * until then (a possible start of a stop string, or of a character) are final and come last with this id.
     */
    int NO_TOKEN = -1;

    void onToken(int tokenId, String textDelta);

    TokenListener NONE = (id, text) -> { };
}
