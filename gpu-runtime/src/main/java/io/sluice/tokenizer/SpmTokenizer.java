package io.sluice.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * SentencePiece-style BPE ({@code tokenizer.ggml.model = "llama"}), as llama.cpp's {@code llm_tokenizer_spm}:
 * spaces become {@code ▁} (U+2581), a space is put in front of the text (and after each special token) when
 * {@code add_space_prefix} holds, the characters are then merged pairwise, always the adjacent pair whose
 * merged token has the highest score first (the leftmost among equals), and characters that end up in no token
 * are spelled as byte tokens {@code <0xNN>}.
 *
 * <p>Two exact shortcuts keep it fast: merges are looked up by the ids of both symbols in a precomputed table,
 * and the text is cut where two adjacent characters occur together in no token (no merge can cross there, so
 * the parts are independent and their ids can be cached like words).
 */
final class SpmTokenizer extends BaseTokenizer {

    private static final char SPACE_MARK = '\u2581';

    /** (left symbol, right symbol) → merged token id. */
    private final PairTable merges;
    /** Pairs of adjacent code points that occur inside some token. */
    private final PairTable adjacent;
    /** Merge priority of each token: higher score first, as an unsigned key. */
    private final int[] priority;
    /** The symbol of each code point: its own token, an id past the vocabulary if it only occurs inside tokens. */
    private final int[] bmpSymbols = new int[Character.MAX_VALUE + 1];
    private final Map<Integer, Integer> supplementarySymbols = new HashMap<>();
    private final int[] byteTokens = new int[256];

    SpmTokenizer(Vocabulary vocab) {
        super(vocab);
        int n = vocab.size();
        priority = new int[n];
        for (int i = 0; i < n; i++) {
            priority[i] = descendingKey(vocab.scores[i]);
        }
        Arrays.fill(bmpSymbols, -1);
        merges = new PairTable(n * 4);
        adjacent = new PairTable(n * 4);
        int[] nextExtra = {n};
        // The code-point lengths tokens have: a split of a token into parts of other lengths cannot be two
        // tokens, so skipping it keeps a hostile very long token from costing time quadratic in its length.
        BitSet lengths = new BitSet();
        for (int i = 0; i < n; i++) {
            if (mergeable(i)) {
                lengths.set(vocab.tokens[i].codePointCount(0, vocab.tokens[i].length()));
            }
        }
        for (int i = 0; i < n; i++) {
            if (!mergeable(i) || vocab.id(vocab.tokens[i]) != i) {
                continue;
            }
            String text = vocab.tokens[i];
            int[] cps = text.codePoints().toArray();
            if (cps.length == 1) {
                setSymbol(cps[0], i);
                continue;
            }
            for (int k = 1; k < cps.length; k++) {
                adjacent.putIfAbsent(cps[k - 1], cps[k], 1);
            }
            for (int k = 1; k < cps.length; k++) {
                // Single characters always get a symbol (their side effect); longer parts only if some token is as long.
                int left = k == 1 || lengths.get(k) ? symbolOf(cps, 0, k, nextExtra) : -1;
                int right = cps.length - k == 1 || lengths.get(cps.length - k)
                        ? symbolOf(cps, k, cps.length, nextExtra) : -1;
                if (left != -1 && right != -1) {
                    merges.putIfAbsent(left, right, i);
                }
            }
        }
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0) {
                id = vocab.id(String.valueOf((char) b)); // llama.cpp's fallback: the byte as a one-char token
            }
            byteTokens[b] = id;
        }
    }

    /** Tokens that merging may produce: never control, unknown, byte or unused ones (as SentencePiece). */
    private boolean mergeable(int id) {
        TokenType t = vocab.types[id];
        return t == TokenType.NORMAL || t == TokenType.USER_DEFINED || t == TokenType.UNDEFINED;
    }

    private int mergeableId(String text) {
        int id = vocab.id(text);
        return id >= 0 && mergeable(id) ? id : -1;
    }

    /** The symbol for cps[from, to): a token, or a lone character (given an id past the vocabulary), or -1. */
    private int symbolOf(int[] cps, int from, int to, int[] nextExtra) {
        String s = new String(cps, from, to - from);
        int id = mergeableId(s);
        if (id >= 0) {
            return id;
        }
        if (to - from != 1) {
            return -1;
        }
        int cp = cps[from];
        int existing = symbolOf(cp);
        if (existing != -1) {
            return existing;
        }
        int own = mergeableId(s);
        int sym = own >= 0 ? own : nextExtra[0]++;
        setSymbol(cp, sym);
        return sym;
    }

    private void setSymbol(int cp, int sym) {
        if (cp <= Character.MAX_VALUE) {
            bmpSymbols[cp] = sym;
        } else {
            supplementarySymbols.put(cp, sym);
        }
    }

    private int symbolOf(int cp) {
        return cp <= Character.MAX_VALUE ? bmpSymbols[cp] : supplementarySymbols.getOrDefault(cp, -1);
    }

    /** Maps higher scores to smaller unsigned keys. */
    private static int descendingKey(float score) {
        int bits = Float.floatToIntBits(score);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed order of ints == order of floats
        return ~ordered ^ 0x80000000;
    }

    @Override
    boolean stripsLeadingSpace() {
        return vocab.addSpacePrefix;
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        String escaped = ((vocab.addSpacePrefix && afterSpecial) ? " " + text : text).replace(' ', SPACE_MARK);
        int[] cps = escaped.codePoints().toArray();
        int start = 0;
        for (int i = 1; i <= cps.length; i++) {
            if (i == cps.length || !adjacent.contains(cps[i - 1], cps[i])) {
                encodeChunk(cps, start, i, out);
                start = i;
            }
        }
    }

    private void encodeChunk(int[] cps, int from, int to, IntList out) {
        int len = to - from;
        if (len == 1) {
            emitSymbol(symbolOf(cps[from]), cps[from], out);
            return;
        }
        String key = len <= CACHED_WORD_LIMIT ? new String(cps, from, len) : null;
        int[] ids = key != null ? cached(key) : null;
        if (ids == null) {
            ids = merge(cps, from, len);
            if (key != null) {
                cache(key, ids);
            }
        }
        out.addAll(ids);
    }

    private int[] merge(int[] cps, int from, int len) {
        int[] sym = new int[len];
        for (int i = 0; i < len; i++) {
            sym[i] = symbolOf(cps[from + i]);
        }
        int[] survivors = SymbolMerger.merge(sym, this::rank);
        IntList out = new IntList(len);
        for (int i : survivors) {
            emitSymbol(sym[i], cps[from + i], out);
        }
        return out.toArray();
    }

    /** Merging two symbols ranks by the resulting piece's score, best first. */
    private long rank(int left, int right) {
        long merged = merges.get(left, right);
        return merged == PairTable.ABSENT ? merged : ((priority[(int) merged] & 0xffffffffL) << 32) | merged;
    }

    /** A symbol that is a token, or else the bytes of its character. */
    private void emitSymbol(int sym, int cp, IntList out) {
        if (sym >= 0 && sym < vocab.size()) {
            out.add(sym);
            return;
        }
        byte[] bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            int id = byteTokens[b & 0xff];
            if (id < 0) {
                id = vocab.unk;
            }
            if (id < 0) {
                throw new IllegalArgumentException(String.format(
                        "cannot encode U+%04X: the vocabulary has neither a token for it nor byte token <0x%02X>",
                        cp, b & 0xff));
            }
            out.add(id);
        }
    }

    @Override
    byte[] decodePiece(int id) {
        String text = vocab.tokens[id];
        return switch (vocab.types[id]) {
            case NORMAL, USER_DEFINED -> text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case BYTE -> {
                int b = parseByteToken(text);
                yield b >= 0 ? new byte[] {(byte) b} : new byte[0];
            }
            default -> new byte[0]; // undefined and unused tokens render as nothing, as in llama.cpp
        };
    }

    /** The byte of a {@code <0xNN>} token, or -1 if the text is not of that form. */
    static int parseByteToken(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
