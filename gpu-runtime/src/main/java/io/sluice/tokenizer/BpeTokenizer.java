package io.sluice.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = "gpt2"}), as llama.cpp's {@code llm_tokenizer_bpe}: the text is
 * split into words by the pre-tokenizer, each word's UTF-8 bytes are spelled in GPT-2's byte alphabet, and
 * adjacent symbols are merged by the rank of their pair in {@code tokenizer.ggml.merges} (lowest rank first, the
 * leftmost among equals). With Llama 3's pre-tokenizer a word that is itself a token skips the merges.
 */
final class BpeTokenizer extends BaseTokenizer {

    private static final int DEAD = Integer.MIN_VALUE;

    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    /** (left symbol, right symbol) → rank << 32 | merged symbol. */
    private final PairTable merges;
    private final int[] byteSymbols = new int[256];
    /** Texts of symbols that merges produce but the vocabulary lacks (ids from vocabulary size on). */
    private final List<String> extraTexts = new ArrayList<>();
    private final Map<String, Integer> extraIds = new HashMap<>();

    BpeTokenizer(Vocabulary vocab) {
        super(vocab);
        this.preTokenizer = PreTokenizer.forName(vocab.pre);
        this.ignoreMerges = PreTokenizer.ignoresMerges(vocab.pre);
        String[] rules = vocab.merges;
        this.merges = new PairTable(rules.length);
        for (int rank = 0; rank < rules.length; rank++) {
            String rule = rules[rank];
            int space = rule.indexOf(' ', 1);
            if (space < 0) {
                continue; // llama.cpp keeps such a rule as an empty pair, which never matches
            }
            String left = rule.substring(0, space);
            String right = rule.substring(space + 1);
            merges.putIfAbsent(symbol(left), symbol(right), ((long) rank << 32) | symbol(left + right));
        }
        for (int b = 0; b < 256; b++) {
            byteSymbols[b] = symbol(String.valueOf(ByteLevel.encode((byte) b)));
        }
    }

    /** The symbol id of a byte-level string: its token unless that is special, else an id past the vocabulary. */
    private int symbol(String text) {
        int id = tokenId(text);
        if (id >= 0) {
            return id;
        }
        return extraIds.computeIfAbsent(text, t -> {
            extraTexts.add(t);
            return vocab.size() + extraTexts.size() - 1;
        });
    }

    /** The token of this exact text if it may come out of user text (not control or unknown), else -1. */
    private int tokenId(String text) {
        int id = vocab.id(text);
        return id >= 0 && !vocab.types[id].isSpecial() ? id : -1;
    }

    @Override
    boolean stripsLeadingSpace() {
        return false;
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : preTokenizer.split(text)) {
            int[] ids = cached(word);
            if (ids == null) {
                ids = encodeWord(word);
                cache(word, ids);
            }
            out.addAll(ids);
        }
    }

    private int[] encodeWord(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            int id = tokenId(ByteLevel.encode(bytes));
            if (id >= 0) {
                return new int[] {id};
            }
        }
        int len = bytes.length;
        int[] sym = new int[len];
        int[] prev = new int[len];
        int[] next = new int[len];
        for (int i = 0; i < len; i++) {
            sym[i] = byteSymbols[bytes[i] & 0xff];
            prev[i] = i - 1;
            next[i] = i + 1 < len ? i + 1 : -1;
        }
        MergeQueue queue = new MergeQueue();
        for (int i = 1; i < len; i++) {
            offer(queue, sym, i - 1, i);
        }
        while (!queue.isEmpty()) {
            long key = queue.pop();
            int left = (int) key;
            if (sym[left] == DEAD) {
                continue;
            }
            int right = next[left];
            if (right < 0) {
                continue;
            }
            long rule = merges.get(sym[left], sym[right]);
            // A stale entry: the pair at this position changed since it was queued.
            if (rule == PairTable.ABSENT || (rule >>> 32) != (key >>> 32)) {
                continue;
            }
            sym[left] = (int) rule;
            sym[right] = DEAD;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, sym, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, sym, left, next[left]);
            }
        }
        IntList out = new IntList(len);
        for (int i = 0; i >= 0 && len > 0; i = next[i]) {
            int s = sym[i];
            if (s < vocab.size()) {
                out.add(s);
            } else {
                // Not a token (a vocabulary without all its merge results): llama.cpp keeps what single
                // characters of it are tokens.
                String text = extraTexts.get(s - vocab.size());
                for (int c = 0; c < text.length(); c++) {
                    int id = text.charAt(c) < 0x80 ? tokenId(String.valueOf(text.charAt(c))) : -1;
                    if (id >= 0) {
                        out.add(id);
                    }
                }
            }
        }
        return out.toArray();
    }

    private void offer(MergeQueue queue, int[] sym, int left, int right) {
        long rule = merges.get(sym[left], sym[right]);
        if (rule != PairTable.ABSENT) {
            queue.push((rule & 0xffffffff00000000L) | left);
        }
    }

    @Override
    byte[] decodePiece(int id) {
        return switch (vocab.types[id]) {
            case NORMAL -> ByteLevel.decode(vocab.tokens[id]);
            case USER_DEFINED -> vocab.tokens[id].getBytes(StandardCharsets.UTF_8);
            default -> new byte[0]; // as llama.cpp: other types render as nothing
        };
    }
}
