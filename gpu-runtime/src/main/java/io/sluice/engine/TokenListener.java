package io.sluice.engine;

/**
 * Receives a request's tokens as they are generated (streaming). Called from the engine's thread: keep it
 * short and never block. {@code textDelta} never ends inside a UTF-8 character.
 */
@FunctionalInterface
public interface TokenListener {
    void onToken(int tokenId, String textDelta);

    TokenListener NONE = (id, text) -> { };
}
