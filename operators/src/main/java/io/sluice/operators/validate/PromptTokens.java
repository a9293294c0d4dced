package io.sluice.operators.validate;

import io.sluice.schemas.Message;
import io.sluice.schemas.PromptRequest;
import java.nio.charset.StandardCharsets;

/**
 * A request's prompt length in tokens for the micro-batcher's token bound: exact for token ids; for text an
 * estimate before the engine tokenizes it (one token per 3 UTF-8 bytes, on the high side for SentencePiece
 * and BPE vocabularies, plus a few tokens per chat message for its template).
 */
public final class PromptTokens {
    private static final int BYTES_PER_TOKEN = 3;
    private static final int TOKENS_PER_MESSAGE = 4;

    private PromptTokens() {
    }

    public static int estimate(PromptRequest request) {
        if (request.getPromptIds() != null) {
            return request.getPromptIds().size();
        }
        if (request.getPrompt() != null) {
            return 1 + ceilDiv(request.getPrompt().getBytes(StandardCharsets.UTF_8).length);
        }
        int tokens = 1;
        if (request.getMessages() != null) {
            for (Message m : request.getMessages()) {
                tokens += TOKENS_PER_MESSAGE + ceilDiv(m.getContent().getBytes(StandardCharsets.UTF_8).length);
            }
        }
        return tokens;
    }

    private static int ceilDiv(int bytes) {
        return (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
    }
}
