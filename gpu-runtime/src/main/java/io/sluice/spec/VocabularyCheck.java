package io.sluice.spec;

import io.sluice.gguf.GgufMetadata;
import io.sluice.model.LlamaModel;

/** Whether a draft model can draft for a target: same vocabulary (size and token texts) and no shorter context. */
public final class VocabularyCheck {

    private static final String TOKENS = "tokenizer.ggml.tokens";

    private VocabularyCheck() {
    }

    /** Throws IllegalArgumentException naming the first difference. */
    public static void check(LlamaModel target, LlamaModel draft) {
        String t = target.path().getFileName().toString();
        String d = draft.path().getFileName().toString();
        int tv = target.config().vocabSize();
        int dv = draft.config().vocabSize();
        if (tv != dv) {
            throw new IllegalArgumentException("draft model " + d + " has a vocabulary of " + dv + " tokens, "
                    + t + " has " + tv);
        }
        int tc = target.config().contextLength();
        int dc = draft.config().contextLength();
        if (dc < tc) {
            throw new IllegalArgumentException("draft model " + d + " has a context of " + dc + " tokens, shorter than "
                    + t + "'s " + tc);
        }
        GgufMetadata tm = target.metadata();
        GgufMetadata dm = draft.metadata();
        if (tm.has(TOKENS) != dm.has(TOKENS)) {
            throw new IllegalArgumentException("draft model " + d + (dm.has(TOKENS) ? " has" : " has no")
                    + " token texts, " + t + (tm.has(TOKENS) ? " has" : " has none"));
        }
        if (!tm.has(TOKENS)) {
            return;
        }
        String[] ta = tm.getStringArray(TOKENS);
        String[] da = dm.getStringArray(TOKENS);
        int n = Math.min(ta.length, da.length);
        for (int i = 0; i < n; i++) {
            String a = ta[i];
            String b = da[i];
            if (!a.equals(b)) {
                throw new IllegalArgumentException("draft model " + d + " has another vocabulary than " + t
                        + ": token " + i + " is '" + b + "', not '" + a + "'");
            }
        }
        if (ta.length != da.length) {
            throw new IllegalArgumentException("draft model " + d + " lists " + da.length + " token texts, " + t + " "
                    + ta.length);
        }
    }
}
