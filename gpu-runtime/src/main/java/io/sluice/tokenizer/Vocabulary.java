package io.sluice.tokenizer;

import io.sluice.gguf.GgufMetadata;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A tokenizer's vocabulary and settings as a GGUF file's {@code tokenizer.*} metadata describes them, with
 * llama.cpp's defaults where keys are absent (BOS 1 / EOS 2 and BOS added for "llama"; no BOS for "gpt2"
 * unless its pre-tokenizer is Llama 3's) and its detection of end-of-turn tokens by their text.
 */
final class Vocabulary {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Vocabulary.class);

    static final String MODEL_SPM = "llama";
    static final String MODEL_BPE = "gpt2";

    /** Texts that mark a token as ending generation (llama.cpp's list), in the order EOT is picked from. */
    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>");
    private static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|eom_id|>", "<EOT>");

    final String model;
    final String pre;
    final String name;
    final String[] tokens;
    final float[] scores;
    final TokenType[] types;
    final Map<String, Integer> tokenToId;
    final String[] merges;
    final int bos;
    final int eos;
    final int eot;
    final int eom;
    final int unk;
    final int pad;
    final boolean addBos;
    final boolean addEos;
    final boolean addSpacePrefix;
    final BitSet endOfGeneration;
    /** Tokens that strip whitespace to their right when matched in text (Phi-3's turn markers). */
    final BitSet rstrip;

    private Vocabulary(Builder b) {
        this.model = b.model;
        this.pre = b.pre;
        this.name = b.name;
        int n = b.tokens.length;
        this.tokens = b.tokens.clone();
        this.scores = b.scores == null ? new float[n] : b.scores.clone();
        this.types = new TokenType[n];
        Map<String, Integer> lookup = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null || tokens[i].isEmpty()) {
                tokens[i] = "[EMPTY_" + i + "]"; // as llama.cpp, so that lookups stay one-to-one
            }
            types[i] = b.types == null ? TokenType.NORMAL : TokenType.fromCode(b.types[i]);
            lookup.put(tokens[i], i); // a repeated text maps to its last id, as in llama.cpp
        }
        this.tokenToId = Collections.unmodifiableMap(lookup);
        this.merges = b.merges;

        boolean spm = MODEL_SPM.equals(model);
        this.bos = bosId(b.bos, spm ? 1 : 11, n);
        this.eos = specialId(b.eos, spm ? 2 : 11, n);
        this.unk = specialId(b.unk, spm ? 0 : -1, n);
        this.pad = specialId(b.pad, -1, n);
        this.eom = specialId(b.eom, textId("<|eom_id|>"), n);
        int eotId = specialId(b.eot, -1, n);
        BitSet byText = new BitSet(n);
        if (eotId < 0) {
            for (String text : EOT_TEXTS) {
                Integer id = tokenToId.get(text);
                if (id != null) {
                    eotId = id;
                    byText.set(id);
                    break;
                }
            }
        }
        this.eot = eotId;

        this.endOfGeneration = new BitSet(n);
        for (String text : EOG_TEXTS) {
            Integer id = tokenToId.get(text);
            if (id != null) {
                byText.set(id);
            }
        }
        // Like llama.cpp: turn markers recognized by their text are control tokens even where the file says
        // otherwise (a converter bug), so they never come out of user text and render as nothing.
        for (int id = byText.nextSetBit(0); id >= 0; id = byText.nextSetBit(id + 1)) {
            types[id] = TokenType.CONTROL;
            endOfGeneration.set(id);
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id >= 0) {
                endOfGeneration.set(id);
            }
        }

        boolean bpeLlama3 = !spm && pre != null && PreTokenizer.ignoresMerges(pre);
        this.addBos = b.addBos != null ? b.addBos : (spm || bpeLlama3);
        this.addEos = b.addEos != null ? b.addEos : false;
        // Only SentencePiece puts a space in front of the text; llama.cpp ignores the flag for BPE.
        this.addSpacePrefix = spm && (b.addSpacePrefix == null || b.addSpacePrefix);
        if (addBos && bos < 0) {
            throw new IllegalArgumentException("the tokenizer adds a BOS token but has none");
        }
        if (addEos && eos < 0) {
            throw new IllegalArgumentException("the tokenizer adds an EOS token but has none");
        }

        this.rstrip = new BitSet(n);
        String lowerName = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (lowerName.contains("phi-3") || lowerName.contains("phi3")) {
            // llama.cpp's per-model attributes: Phi-3's special tokens swallow the whitespace after them.
            for (int i = 0; i < n; i++) {
                if (types[i] == TokenType.CONTROL || types[i] == TokenType.USER_DEFINED
                        || types[i] == TokenType.UNKNOWN || "</s>".equals(tokens[i])) {
                    rstrip.set(i);
                }
            }
            for (String text : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
                Integer id = tokenToId.get(text);
                if (id != null) {
                    rstrip.clear(id);
                }
            }
        }
    }

    private int textId(String text) {
        Integer id = tokenToId.get(text);
        return id == null ? -1 : id;
    }

    /** A metadata id when it names a token, else the default when that does (as llama.cpp, ignoring bad ids). */
    private static int specialId(Long fromMetadata, int def, int n) {
        if (fromMetadata != null && fromMetadata >= 0 && fromMetadata < n) {
            return fromMetadata.intValue();
        }
        return def >= 0 && def < n ? def : -1;
    }

    /**
     * BOS from metadata, which must name a token: it starts every prompt, so a file whose BOS is outside its
     * vocabulary is refused rather than given another BOS (the "none" markers -1 and 0xFFFFFFFF mean none).
     */
    private static int bosId(Long fromMetadata, int def, int n) {
        if (fromMetadata == null) {
            return specialId(null, def, n);
        }
        if (fromMetadata == -1 || fromMetadata == 0xFFFFFFFFL) {
            return -1;
        }
        if (fromMetadata < 0 || fromMetadata >= n) {
            throw new IllegalArgumentException("tokenizer.ggml.bos_token_id = " + fromMetadata
                    + " is outside the vocabulary of " + n + " tokens");
        }
        return fromMetadata.intValue();
    }

    int size() {
        return tokens.length;
    }

    /** The id of a token of this exact text, or -1. */
    int id(String text) {
        Integer id = tokenToId.get(text);
        return id == null ? -1 : id;
    }

    /** Tokens matched verbatim in text before tokenizing: user-defined ones always, control ones on request. */
    List<Integer> specialTokens(boolean includeControl) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            TokenType t = types[i];
            if (t == TokenType.USER_DEFINED || (includeControl && t.isSpecial())) {
                ids.add(i);
            }
        }
        // Longest first, so that a token is not cut by a shorter one inside it.
        ids.sort((a, b) -> tokens[a].length() != tokens[b].length()
                ? Integer.compare(tokens[b].length(), tokens[a].length()) : Integer.compare(a, b));
        return ids;
    }

    Set<Integer> endOfGenerationIds() {
        Set<Integer> ids = new TreeSet<>();
        endOfGeneration.stream().forEach(ids::add);
        return ids;
    }

    static Vocabulary fromGguf(GgufMetadata md) {
        String model = md.getString("tokenizer.ggml.model");
        if (!MODEL_SPM.equals(model) && !MODEL_BPE.equals(model)) {
            throw new IllegalArgumentException("unsupported tokenizer model: '" + model + "'");
        }
        Builder b = new Builder(model, md.getStringArray("tokenizer.ggml.tokens"));
        b.name = md.getString("general.name", null);
        if (MODEL_BPE.equals(model)) {
            b.pre = md.getString("tokenizer.ggml.pre", null);
            if (b.pre == null) {
                LOG.warn("the BPE tokenizer names no pre-tokenizer (tokenizer.ggml.pre); using 'default', "
                        + "which may not split text as the model was trained");
                b.pre = "default";
            }
            if (!md.has("tokenizer.ggml.merges")) {
                throw new IllegalArgumentException("BPE tokenizer without tokenizer.ggml.merges");
            }
            b.merges = md.getStringArray("tokenizer.ggml.merges");
        }
        if (md.has("tokenizer.ggml.scores")) {
            b.scores = md.getFloatArray("tokenizer.ggml.scores");
        }
        if (md.has("tokenizer.ggml.token_type")) {
            b.types = md.getIntArray("tokenizer.ggml.token_type");
        }
        b.bos = optionalId(md, "tokenizer.ggml.bos_token_id");
        b.eos = optionalId(md, "tokenizer.ggml.eos_token_id");
        b.eot = optionalId(md, "tokenizer.ggml.eot_token_id");
        b.eom = optionalId(md, "tokenizer.ggml.eom_token_id");
        b.unk = optionalId(md, "tokenizer.ggml.unknown_token_id");
        b.pad = optionalId(md, "tokenizer.ggml.padding_token_id");
        if (md.has("tokenizer.ggml.add_bos_token")) {
            b.addBos = md.getBoolean("tokenizer.ggml.add_bos_token");
        }
        if (md.has("tokenizer.ggml.add_eos_token")) {
            b.addEos = md.getBoolean("tokenizer.ggml.add_eos_token");
        }
        if (md.has("tokenizer.ggml.add_space_prefix")) {
            b.addSpacePrefix = md.getBoolean("tokenizer.ggml.add_space_prefix");
        }
        return b.build();
    }

    private static Long optionalId(GgufMetadata md, String key) {
        if (!md.has(key) || md.typeOf(key) == null || !md.typeOf(key).isInteger()) {
            return null;
        }
        Object v = md.get(key);
        long id = ((Number) v).longValue();
        return id; // UINT32 "none" markers (0xFFFFFFFF) are out of range and ignored by specialId
    }

    /** Builds a vocabulary from plain arrays (tests, or tokenizers not stored in GGUF). */
    static final class Builder {
        private final String model;
        private final String[] tokens;
        String pre;
        String name;
        float[] scores;
        int[] types;
        String[] merges;
        Long bos;
        Long eos;
        Long eot;
        Long eom;
        Long unk;
        Long pad;
        Boolean addBos;
        Boolean addEos;
        Boolean addSpacePrefix;

        Builder(String model, String[] tokens) {
            this.model = model;
            this.tokens = tokens;
        }

        Vocabulary build() {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("empty vocabulary");
            }
            if (scores != null && scores.length != tokens.length) {
                throw new IllegalArgumentException("tokenizer.ggml.scores has " + scores.length
                        + " entries for " + tokens.length + " tokens");
            }
            if (types != null && types.length != tokens.length) {
                throw new IllegalArgumentException("tokenizer.ggml.token_type has " + types.length
                        + " entries for " + tokens.length + " tokens");
            }
            return new Vocabulary(this);
        }
    }
}
