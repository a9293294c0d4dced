package io.sluice.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What both tokenizer families share: special tokens, BOS/EOS, decoding, and a bounded cache of the ids of
 * recently seen words (natural text repeats its words, so most of them skip the merge loop).
 */
abstract class BaseTokenizer implements Tokenizer {

    private static final int CACHE_LIMIT = 1 << 17;
    /** Longer words are not cached: they are rare and would bloat the cache. */
    static final int CACHED_WORD_LIMIT = 64;

    final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final List<Integer> userDefinedTokens;
    private final List<Integer> allSpecialTokens;
    /** Each token's bytes in decoded text; empty for control and unknown tokens. */
    private final byte[][] pieceBytes;
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();

    BaseTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
        this.userDefinedTokens = vocab.specialTokens(false);
        this.allSpecialTokens = vocab.specialTokens(true);
        this.pieceBytes = new byte[vocab.size()][];
        for (int i = 0; i < vocab.size(); i++) {
            pieceBytes[i] = vocab.types[i].isSpecial() ? new byte[0] : decodePiece(i);
        }
    }

    /** The bytes a non-special token stands for in text. */
    abstract byte[] decodePiece(int id);

    /** Appends the ids of one text fragment; {@code afterSpecial} when a special token (or the start) precedes. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** Whether decoding a whole text drops the space that encoding put in front of it. */
    abstract boolean stripsLeadingSpace();

    @Override
    public int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, userDefinedTokens);
    }

    @Override
    public int[] encodeWithSpecialTokens(String text, boolean addSpecial) {
        return encode(text, addSpecial, allSpecialTokens);
    }

    private int[] encode(String text, boolean addSpecial, List<Integer> specials) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial && vocab.addBos) {
            out.add(vocab.bos);
        }
        boolean afterSpecial = true;
        for (SpecialTokenSplitter.Fragment f : splitter.split(text, specials)) {
            if (f.isText()) {
                encodeText(f.text(), afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(f.token());
                afterSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos) {
            if (vocab.eos < 0) {
                throw new IllegalStateException("the tokenizer adds an EOS token but has none");
            }
            out.add(vocab.eos);
        }
        return out.toArray();
    }

    /** The cached ids of a word, or null. */
    final int[] cached(String word) {
        return wordCache.get(word);
    }

    final void cache(String word, int[] ids) {
        if (word.length() <= CACHED_WORD_LIMIT) {
            if (wordCache.size() >= CACHE_LIMIT) {
                wordCache.clear();
            }
            wordCache.put(word, ids);
        }
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, stripsLeadingSpace());
    }

    @Override
    public String decodeContinuation(int[] ids) {
        return decode(ids, false);
    }

    private String decode(int[] ids, boolean stripLeadingSpace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean first = true;
        for (int id : ids) {
            byte[] b = pieceBytes(id);
            if (b.length == 0) {
                continue;
            }
            int from = first && stripLeadingSpace && b[0] == ' ' ? 1 : 0;
            out.write(b, from, b.length - from);
            first = false;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    final byte[] pieceBytes(int id) {
        checkId(id);
        return pieceBytes[id];
    }

    @Override
    public String piece(int id) {
        checkId(id);
        return vocab.types[id].isSpecial() ? vocab.tokens[id] : new String(pieceBytes[id], StandardCharsets.UTF_8);
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        return vocab.tokens[id];
    }

    @Override
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    @Override
    public int vocabularySize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        return vocab.bos;
    }

    @Override
    public int eosId() {
        return vocab.eos;
    }

    @Override
    public int eotId() {
        return vocab.eot;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < vocab.size() && vocab.endOfGeneration.get(id);
    }

    @Override
    public boolean addBos() {
        return vocab.addBos;
    }

    @Override
    public TokenType tokenType(int id) {
        checkId(id);
        return vocab.types[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocab.size() + ")");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + vocab.size() + " tokens"
                + (vocab.pre != null ? ", pre-tokenizer " + vocab.pre : "") + "]";
    }
}
