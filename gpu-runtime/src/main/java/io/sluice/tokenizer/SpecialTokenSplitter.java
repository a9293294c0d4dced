package io.sluice.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Cuts text at the verbatim occurrences of special tokens, longest tokens first, leaving text fragments for the
 * tokenizer proper (llama.cpp's {@code tokenizer_st_partition}).
 */
final class SpecialTokenSplitter {

    /** A piece of text starting at {@code offset} ({@code token == -1}), or one special token. */
    record Fragment(String text, int offset, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocab;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
    }

    /**
     * @param literal characters that are never part of a special token (text that came from chat messages), or
     *     null
     */
    List<Fragment> split(String text, List<Integer> specialIds, BitSet literal) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(text, 0, -1));
        for (int id : specialIds) {
            String special = vocab.tokens[id];
            if (!text.contains(special)) {
                continue;
            }
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
