package io.sluice.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words that byte-level BPE merges within, by the regular expressions of the
 * pre-tokenizer named in {@code tokenizer.ggml.pre} (the same expressions as llama.cpp and the models'
 * {@code tokenizer.json}). Expressions apply in order, each to every piece the previous ones produced; both
 * matches and the text between them become pieces. Each piece is its own text for the next expression, so
 * look-aheads and anchors stop at its ends (as in Hugging Face's sequence of splits).
 */
final class PreTokenizer {

    private static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String CJK = "[一-龥ࠀ-一가-퟿]+";
    private static final String[] DEFAULT = {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"};
    private static final String[] FALCON = {"[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"};
    private static final String[] STARCODER = {"\\p{N}", GPT2};
    private static final String[] DEEPSEEK_LLM = {
            "[\r\n]",
            "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-"
                    + "ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-"
                    + "ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
            "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
            "\\s+\\z",
            CJK,
            "\\p{N}+",
    };
    private static final String[] DEEPSEEK_CODER = {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}"};

    private final String name;
    private final Pattern[] patterns;

    private PreTokenizer(String name, String... regexes) {
        this.name = name;
        this.patterns = new Pattern[regexes.length];
        for (int i = 0; i < regexes.length; i++) {
            patterns[i] = Pattern.compile(regexes[i], Pattern.UNICODE_CHARACTER_CLASS);
        }
    }

    /**
     * The pre-tokenizer for a {@code tokenizer.ggml.pre} value.
     *
     * @throws IllegalArgumentException naming the value when Sluice does not know it
     */
    static PreTokenizer forName(String pre) {
        return switch (pre) {
            case "default" -> new PreTokenizer(pre, DEFAULT);
            case "gpt-2", "phi-2", "roberta-bpe", "mpt", "olmo", "jais" -> new PreTokenizer(pre, GPT2);
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe" -> new PreTokenizer(pre, LLAMA3);
            case "qwen2", "stablelm2", "megrez" -> new PreTokenizer(pre, QWEN2);
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    new PreTokenizer(pre, STARCODER);
            case "falcon" -> new PreTokenizer(pre, FALCON);
            case "deepseek-llm" -> new PreTokenizer(pre, DEEPSEEK_LLM);
            case "deepseek-coder" -> new PreTokenizer(pre, DEEPSEEK_CODER);
            default -> throw new IllegalArgumentException("unsupported pre-tokenizer: '" + pre + "'");
        };
    }

    /** Pre-tokenizers of Llama 3 and its relatives, whose whole words skip the merges when they are tokens. */
    static boolean ignoresMerges(String pre) {
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> true;
            default -> false;
        };
    }

    String name() {
        return name;
    }

    /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
    List<String> split(String text) {
        // Piece boundaries, as ends: piece i spans [ends[i-1], ends[i]).
        int[] ends = {text.length()};
        int count = 1;
        for (Pattern pattern : patterns) {
            Matcher m = pattern.matcher(text);
            int[] next = new int[Math.max(16, count * 2)];
            int n = 0;
            int start = 0;
            for (int p = 0; p < count; p++) {
                int end = ends[p];
                m.region(start, end);
                int pos = start;
                while (m.find()) {
                    if (m.end() == m.start()) {
                        continue;
                    }
                    if (m.start() > pos) {
                        next = append(next, n++, m.start());
                    }
                    next = append(next, n++, m.end());
                    pos = m.end();
                }
                if (pos < end) {
                    next = append(next, n++, end);
                }
                start = end;
            }
            ends = next;
            count = n;
        }
        List<String> pieces = new ArrayList<>(count);
        int start = 0;
        for (int p = 0; p < count; p++) {
            pieces.add(text.substring(start, ends[p]));
            start = ends[p];
        }
        return pieces;
    }

    private static int[] append(int[] a, int i, int v) {
        if (i == a.length) {
            a = java.util.Arrays.copyOf(a, a.length * 2);
        }
        a[i] = v;
        return a;
    }
}
