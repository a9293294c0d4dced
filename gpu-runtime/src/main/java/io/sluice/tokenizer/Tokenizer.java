package io.sluice.tokenizer;

import io.sluice.gguf.GgufMetadata;

/**
 * Text to token ids and back, exactly as the model's reference tokenizer, built from a GGUF file's
 * {@code tokenizer.*} metadata. Two families: SentencePiece-style BPE over scores with byte fallback
 * ({@code tokenizer.ggml.model = "llama"}: Llama 2, TinyLlama, Mistral, Phi-3, Gemma) and byte-level BPE over
 * merges ({@code "gpt2"}: GPT-2, Llama 3, Qwen2, StarCoder, ...). Instances are immutable and thread-safe.
 *
 * <p>User text is never parsed into control tokens: {@link #encode} treats {@code <s>} or
 * {@code <|im_start|>} in its input as plain characters. Only {@link #encodeWithSpecialTokens} (for text that
 * Sluice rendered from a chat template) and the BOS/EOS flag insert control tokens.
 */
public interface Tokenizer {

    /**
     * The tokenizer a GGUF file describes.
     *
     * @throws IllegalArgumentException naming the model or pre-tokenizer when Sluice does not support it, or
     *     naming what is inconsistent in the metadata
     */
    static Tokenizer fromGguf(GgufMetadata md) {
        Vocabulary vocab = Vocabulary.fromGguf(md);
        return switch (vocab.model) {
            case Vocabulary.MODEL_SPM -> new SpmTokenizer(vocab);
            case Vocabulary.MODEL_BPE -> new BpeTokenizer(vocab);
            default -> throw new IllegalArgumentException("unsupported tokenizer model: '" + vocab.model + "'");
        };
    }

    /**
     * The ids of user text. Control-token texts in it stay text.
     *
     * @param addSpecial add BOS and EOS where the model's metadata says so ({@link #addBos()}; EOS almost never)
     */
    int[] encode(String text, boolean addSpecial);

    /**
     * The ids of text in which the texts of control tokens ({@code <|im_start|>}, {@code </s>}) stand for
     * those tokens: for prompts rendered from a chat template, never for raw user input.
     */
    int[] encodeWithSpecialTokens(String text, boolean addSpecial);

    /**
     * The text of a whole sequence: control and unknown tokens render as nothing, byte tokens are joined into
     * UTF-8 (invalid bytes become U+FFFD), and for SentencePiece vocabularies the space that encoding put in
     * front of the text is removed again, so {@code decode(encode(s, b)) == s}. For a continuation of earlier
     * text (a completion) use {@link #decodeContinuation} or a {@link #newStreamingDecoder()}, which keep that
     * leading space.
     */
    String decode(int[] ids);

    /** Like {@link #decode} for ids that continue earlier text: a leading space is part of the text. */
    String decodeContinuation(int[] ids);

    /**
     * The text of one token for display: control tokens as their text ({@code <s>}), byte tokens as their
     * character (a lone byte of a longer UTF-8 character shows as U+FFFD), spaces as spaces.
     */
    String piece(int id);

    /** The token's entry in the vocabulary, verbatim ({@code ▁the}, {@code Ġthe}, {@code <0x0A>}). */
    String tokenText(int id);

    /** A decoder for streaming a continuation token by token without splitting UTF-8 characters. */
    StreamingDecoder newStreamingDecoder();

    int vocabularySize();

    /** The BOS token, or -1 if the vocabulary has none. */
    int bosId();

    /** The EOS token, or -1 if the vocabulary has none. */
    int eosId();

    /** The end-of-turn token ({@code <|eot_id|>}, {@code <|im_end|>}, {@code <end_of_turn>}, ...), or -1. */
    int eotId();

    /** Whether generating this token ends the completion: EOS, EOT, EOM and the other turn-end markers. */
    boolean isEndOfGeneration(int id);

    /** Whether {@code encode(text, true)} starts with BOS. */
    boolean addBos();

    TokenType tokenType(int id);
}
