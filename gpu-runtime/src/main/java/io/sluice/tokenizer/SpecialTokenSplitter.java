package io.sluice.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts text at the verbatim occurrences of special tokens, longest tokens first, leaving text fragments for the
 * tokenizer proper (llama.cpp's {@code tokenizer_st_partition}).
 */
final class SpecialTokenSplitter {

    /** A piece of text ({@code token == -1}) or one special token. */
    record Fragment(String text, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocab;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
    }

    List<Fragment> split(String text, List<Integer> specialIds) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(text, -1));
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
                while ((match = s.indexOf(special, pos)) >= 0) {
                    if (match > pos) {
                        next.add(new Fragment(s.substring(pos, match), -1));
                    }
                    next.add(new Fragment(null, id));
                    pos = match + special.length();
                    if (rstrip) {
                        while (pos < s.length() && isSpace(s.charAt(pos))) {
                            pos++;
                        }
                    }
                }
                if (pos < s.length()) {
                    next.add(pos == 0 ? f : new Fragment(s.substring(pos), -1));
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
