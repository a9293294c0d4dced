package io.sluice.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Encode speed on one thread, in MB of UTF-8 text per second, for the SentencePiece (Llama 2) and byte-level
 * BPE (GPT-2, and GPT-2's merges under Llama 3's pre-tokenizer) test vocabularies. Not a test: run by hand,
 * {@code java -cp <test classpath> io.sluice.tokenizer.TokenizerBench [english.txt]}. Without a file it uses
 * ~2 MB of synthetic English: sentences of common English words drawn with Zipf's law (the GPT-2 vocabulary's
 * words, in merge order), so that word frequencies, and thus the word cache, behave as in real text.
 */
public final class TokenizerBench {

    private TokenizerBench() {
    }

    public static void main(String[] args) throws Exception {
        String text = args.length > 0 ? Files.readString(Path.of(args[0]), StandardCharsets.UTF_8) : syntheticEnglish(2_000_000);
        double mb = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        System.out.printf("text: %.2f MB%s%n", mb, args.length > 0 ? " from " + args[0] : " (synthetic English)");
        for (String config : new String[] {"llama-spm", "gpt-2", "gpt-2+llama-bpe"}) {
            // Fresh tokenizers: the first pass starts with an empty word cache.
            Tokenizer cold = Tokenizer.fromGguf(config.contains("+")
                    ? TestVocabularies.withMetadata("gpt-2", java.util.Map.of("tokenizer.ggml.pre", "llama-bpe"))
                    : TestVocabularies.metadata(TestVocabularies.vocabFile(config)));
            long t0 = System.nanoTime();
            int n = cold.encode(text, false).length;
            double coldSeconds = (System.nanoTime() - t0) / 1e9;
            double best = Double.MAX_VALUE;
            for (int run = 0; run < 5; run++) {
                long t = System.nanoTime();
                cold.encode(text, false);
                best = Math.min(best, (System.nanoTime() - t) / 1e9);
            }
            System.out.printf("%-16s %8d tokens  first pass %6.1f MB/s  warm %6.1f MB/s%n",
                    config, n, mb / coldSeconds, mb / best);
        }
        // Worst cases for the word cache and the merge loop: every word new, and one very long word.
        String unique = randomWords(1_000_000);
        String longWord = "ab".repeat(100_000);
        for (String config : new String[] {"llama-spm", "gpt-2"}) {
            Tokenizer t = TestVocabularies.tokenizer(config);
            t.encode(unique.substring(0, 100_000), false);
            long t0 = System.nanoTime();
            t.encode(unique, false);
            double uniqueSeconds = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            t.encode(longWord, false);
            double longSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%-16s unique words %6.1f MB/s  one 200 kB word %6.1f MB/s%n",
                    config, unique.length() / 1e6 / uniqueSeconds, longWord.length() / 1e6 / longSeconds);
        }
    }

    /** Random lowercase words: nearly every word is new to the cache. */
    static String randomWords(int chars) {
        Random random = new Random(7);
        StringBuilder b = new StringBuilder(chars + 20);
        while (b.length() < chars) {
            int length = 2 + random.nextInt(10);
            for (int i = 0; i < length; i++) {
                b.append((char) ('a' + random.nextInt(26)));
            }
            b.append(' ');
        }
        return b.toString();
    }

    static String syntheticEnglish(int bytes) {
        String[] vocab = TestVocabularies.metadata(TestVocabularies.vocabFile("gpt-2"))
                .getStringArray("tokenizer.ggml.tokens");
        List<String> words = new ArrayList<>();
        for (String t : vocab) {
            if (t.length() > 2 && t.charAt(0) == 'Ġ' && t.substring(1).chars().allMatch(c -> c >= 'a' && c <= 'z')) {
                words.add(t.substring(1));
            }
        }
        double[] cumulative = new double[words.size()];
        double sum = 0;
        for (int i = 0; i < cumulative.length; i++) {
            sum += 1.0 / (i + 1);
            cumulative[i] = sum;
        }
        Random random = new Random(42);
        StringBuilder b = new StringBuilder(bytes + 100);
        while (b.length() < bytes) {
            int length = 5 + random.nextInt(20);
            for (int w = 0; w < length; w++) {
                int i = java.util.Arrays.binarySearch(cumulative, random.nextDouble() * sum);
                String word = words.get(i < 0 ? -i - 1 : i);
                if (w == 0) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                }
                b.append(word);
                b.append(w == length - 1 ? (random.nextInt(8) == 0 ? ".\n" : ". ") : random.nextInt(10) == 0 ? ", " : " ");
            }
        }
        return b.toString();
    }
}
