package io.sluice.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated token ids into text deltas. A character whose UTF-8 bytes span several byte tokens is held
 * back until it is complete, so no delta ends in a broken character. Not thread-safe: one per stream.
 */
public final class StreamingDecoder {

    private final BaseTokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDecoder(BaseTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The new text that this token completes; may be empty. */
    public String push(int id) {
        byte[] piece = tokenizer.pieceBytes(id);
        if (pendingLength + piece.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + piece.length));
        }
        System.arraycopy(piece, 0, pending, pendingLength, piece.length);
        pendingLength += piece.length;
        int complete = completeLength(pending, pendingLength);
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** Whatever is held back (an incomplete character, as U+FFFD); the decoder is then empty. */
    public String flush() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    /** The length of the prefix that does not end inside a UTF-8 character that later bytes may complete. */
    static int completeLength(byte[] b, int length) {
        int i = length - 1;
        int continuation = 0;
        while (i >= 0 && continuation < 3 && (b[i] & 0xC0) == 0x80) {
            i--;
            continuation++;
        }
        if (i < 0) {
            return length;
        }
        int lead = b[i] & 0xFF;
        int expected = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 && lead < 0xF0 ? 3
                : lead >= 0xC2 && lead < 0xE0 ? 2 : 1;
        return expected > 1 && length - i < expected ? i : length;
    }
}
