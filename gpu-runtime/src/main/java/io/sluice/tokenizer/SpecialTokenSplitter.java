package io.sluice.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text at the verbatim occurrences of special tokens, longest tokens first, leaving text fragments for the
 * tokenizer proper (llama.cpp's {@code tokenizer_st_partition}). One pass over the text first finds which of the
 * tokens occur at all, so that vocabularies with thousands of user-defined tokens (Gemma's) stay fast.
 */
final class SpecialTokenSplitter {

    /** A piece of text starting at {@code offset} ({@code token == -1}), or one special token. */
    record Fragment(String text, int offset, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocab;
    /** The tokens to match, longest first. */
    private final List<Integer> specialIds;
    /** The tokens by their first character. */
    private final Map<Character, int[]> byFirstChar = new HashMap<>();

    SpecialTokenSplitter(Vocabulary vocab, List<Integer> specialIds) {
        this.vocab = vocab;
        this.specialIds = List.copyOf(specialIds);
        Map<Character, List<Integer>> lists = new HashMap<>();
        for (int id : specialIds) {
            lists.computeIfAbsent(vocab.tokens[id].charAt(0), c -> new ArrayList<>()).add(id);
        }
        lists.forEach((c, ids) -> byFirstChar.put(c, ids.stream().mapToInt(Integer::intValue).toArray()));
    }

    /** The special tokens that occur somewhere in the text, longest first. */
    private List<Integer> occurring(String text) {
        if (byFirstChar.isEmpty()) {
            return List.of();
        }
        BitSet found = new BitSet();
        for (int i = 0; i < text.length(); i++) {
            int[] candidates = byFirstChar.get(text.charAt(i));
            if (candidates != null) {
                for (int id : candidates) {
                    if (!found.get(id) && text.startsWith(vocab.tokens[id], i)) {
                        found.set(id);
                    }
                }
            }
        }
        if (found.isEmpty()) {
            return List.of();
        }
        List<Integer> ids = new ArrayList<>(found.cardinality());
        for (int id : specialIds) {
            if (found.get(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * @param literal characters that are never part of a special token (text that came from chat messages), or
     *     null
     */
    List<Fragment> split(String text, BitSet literal) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(text, 0, -1));
        for (int id : occurring(text)) {
            String special = vocab.tokens[id];
            boolean rstrip = vocab.rstrip.get(id);
            List<Fragment> next = new ArrayList<>(fragments.size() + 4);
            for (Fragment f : fragments) {
                if (!f.isText()) {
                    next.add(f);
                    continue;
                }
                String s = f.text();
                int pos = 0;
                int match;
                int from = 0;
                while ((match = s.indexOf(special, from)) >= 0) {
                    if (literal != null) {
                        int firstLiteral = literal.nextSetBit(f.offset() + match);
                        if (firstLiteral >= 0 && firstLiteral < f.offset() + match + special.length()) {
                            from = match + 1; // inside message text: stays text
                            continue;
                        }
                    }
                    if (match > pos) {
                        next.add(new Fragment(s.substring(pos, match), f.offset() + pos, -1));
                    }
                    next.add(new Fragment(null, f.offset() + match, id));
                    pos = match + special.length();
                    if (rstrip) {
                        while (pos < s.length() && isSpace(s.charAt(pos))) {
                            pos++;
                        }
                    }
                    from = pos;
                }
                if (pos < s.length()) {
                    next.add(pos == 0 ? f : new Fragment(s.substring(pos), f.offset() + pos, -1));
                }
            }
            fragments = next;
        }
        return fragments;
    }

    /** C's isspace in the "C" locale, as llama.cpp strips. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
