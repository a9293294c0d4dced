package io.sluice.operators.validate;

import io.sluice.schemas.Message;
import io.sluice.schemas.PromptRequest;

/**
 * A request's prompt length in tokens for the micro-batcher's token bound: exact for token ids; for text an
 * estimate before the engine tokenizes it (one token per 3 UTF-8 bytes, on the high side for SentencePiece
 * and BPE vocabularies, plus a few tokens per chat message for its template). It runs on the validator's
 * mailbox thread, so it only counts bytes (without encoding the text); the real tokenization and the chat
 * template run in the engine's {@code submit}, which the inference operator calls off its mailbox thread.
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
            return 1 + ceilDiv(utf8Length(request.getPrompt()));
        }
        int tokens = 1;
        if (request.getMessages() != null) {
            for (Message m : request.getMessages()) {
                tokens += TOKENS_PER_MESSAGE + ceilDiv(utf8Length(m.getContent()));
            }
        }
        return tokens;
    }

    /** The text's length in UTF-8 bytes, as {@code getBytes(UTF_8).length} (a lone surrogate is one '?'). */
    static long utf8Length(CharSequence text) {
        long bytes = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static int ceilDiv(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN);
    }
}
