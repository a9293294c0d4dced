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
    private static final String CJK = "[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF]+";
    private static final String[] DEFAULT = {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"};
    private static final String[] FALCON = {"[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"};
    private static final String[] STARCODER = {"\\p{N}", GPT2};
    private static final String[] DEEPSEEK_LLM = {
            "[\r\n]",
            // Unicode's cased letters (as of DeepSeek's tokenizer.json), escaped so that no editor normalizes them.
            "\\s?[A-Za-z\\u00B5\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u01BA\\u01BC-\\u01BF\\u01C4-\\u0293\\u0295-\\u02AF\\u0370-\\u0373\\u0376\\u0377\\u037B-\\u037D\\u037F\\u0386\\u0388-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u03F5\\u03F7-\\u0481\\u048A-\\u052F\\u0531-\\u0556\\u10A0-\\u10C5\\u13A0-\\u13F5\\u13F8-\\u13FD\\u1C90-\\u1CBA\\u1CBD-\\u1CBF\\u1D00-\\u1D2B\\u1D6B-\\u1D77\\u1D79-\\u1D9A\\u1E00-\\u1F15\\u1F18-\\u1F1D\\u1F20-\\u1F45\\u1F48-\\u1F4D\\u1F50-\\u1F57\\u1F59\\u1F5B\\u1F5D\\u1F5F-\\u1F7D\\u1F80-\\u1FB4\\u1FB6-\\u1FBC\\u1FBE\\u1FC2-\\u1FC4\\u1FC6-\\u1FCC\\u1FD0-\\u1FD3\\u1FD6-\\u1FDB\\u1FE0-\\u1FEC\\u1FF2-\\u1FF4\\u1FF6-\\u1FFC\\u2102\\u2107\\u210A-\\u2113\\u2115\\u2119-\\u211D\\u2124\\u2126\\u2128\\u212A-\\u212D\\u212F-\\u2134\\u2139\\u213C-\\u213F\\u2145-\\u2149\\u214E\\u2183\\u2184\\u2C00-\\u2C7B\\u2C7E-\\u2CE4\\u2CEB-\\u2CEE\\u2CF2\\u2CF3\\uA640-\\uA66D\\uA680-\\uA69B\\uA722-\\uA76F\\uA771-\\uA787\\uA78B-\\uA78E\\uAB70-\\uABBF\\uFB00-\\uFB06\\uFB13-\\uFB17\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\uD801\\uDC00-\\uD801\\uDC4F\\uD801\\uDCB0-\\uD801\\uDCD3\\uD801\\uDCD8-\\uD801\\uDCFB\\uD803\\uDC80-\\uD803\\uDCB2\\uD803\\uDCC0-\\uD803\\uDCF2\\uD806\\uDCA0-\\uD806\\uDCDF\\uD83A\\uDD00-\\uD83A\\uDD43]+",
            "\\s?[!-/:-~\\uFF01-\\uFF0F\\uFF1A-\\uFF5E\\u2018-\\u201F\\u3000-\\u3002]+",
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
