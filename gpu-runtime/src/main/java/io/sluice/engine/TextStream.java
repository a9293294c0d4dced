package io.sluice.engine;

import io.sluice.sampling.StopStrings;

/**
 * The generated text of one sequence: decodes the generated tokens as they come, ends at a stop string
 * (which is cut from the output), and hands out deltas safe to stream: never the start of a possible stop
 * string, never a half-decoded character (a trailing U+FFFD is held back until the next token completes it).
 */
final class TextStream {

    /**
     * Decodes generated token ids to text. Must be concatenative at whole characters: when the text of
     * {@code a} does not end in U+FFFD, the text of {@code a} then {@code b} is the text of {@code a} followed
     * by that of {@code b} (true of {@link io.sluice.tokenizer.Tokenizer#decodeContinuation}).
     */
    @FunctionalInterface
    interface Decoder {
        String decode(int[] ids);
    }

    private final Decoder decoder;
    private final StopStrings stops;
    /** The text so far, grown in place: rebuilding it per token made each token cost O(length). */
    private final StringBuilder text = new StringBuilder();
    /** The first {@code settledTokens} generated tokens decode to the first {@code settledLength} characters of the text, which end on a whole character. */
    private int settledTokens;
    private int settledLength;
    private int emitted;
    private boolean stopped;

    TextStream(Decoder decoder, StopStrings stops) {
        this.decoder = decoder;
        this.stops = stops;
    }

    /** A stream that produces no text (models without a tokenizer). */
    static TextStream none() {
        return new TextStream(null, new StopStrings(java.util.List.of()));
    }

    /** Decodes after a token was appended; returns the new text that is safe to stream now. */
    String update(int[] generated) {
        return update(generated, 0, generated.length);
    }

    /**
     * As {@link #update(int[])} with the generated tokens in {@code tokens[from, to)} (the sequence's own array,
     * not copied): only the tokens after the settled text are read.
     */
    String update(int[] tokens, int from, int to) {
        if (decoder == null || stopped) {
            return "";
        }
        // only the tokens after the settled text: re-decoding everything made each token cost O(length)
        text.setLength(settledLength);
        text.append(decoder.decode(java.util.Arrays.copyOfRange(tokens, from + settledTokens, to)));
        if (text.isEmpty() || text.charAt(text.length() - 1) != '\uFFFD') {
            settledLength = text.length();
            settledTokens = to - from;
        }
        int end = text.length();
        // a trailing U+FFFD is an incomplete character that the next token may turn into another one
        while (end > emitted && text.charAt(end - 1) == '\uFFFD') {
            end--;
        }
        if (!stops.isEmpty()) {
            // from what was streamed, not from the old length: the held-back tail may have changed
            int at = stops.find(text, stops.searchFrom(emitted));
            if (at >= 0) {
                stopped = true;
                text.setLength(at);
                return take(Math.max(emitted, at));
            }
            end = stops.safeLength(text, end);
        }
        return take(end);
    }

    /** The rest of the text at the end of generation (held-back characters included). */
    String flush() {
        return take(text.length());
    }

    private String take(int end) {
        if (end <= emitted) {
            return "";
        }
        String delta = text.substring(emitted, end);
        emitted = end;
        return delta;
    }

    /** True once a stop string ended the text. */
    boolean stopped() {
        return stopped;
    }

    String text() {
        return text.toString();
    }
}
