package io.sluice.tokenizer;

import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Loads the test vocabularies in src/test/resources/vocab and their llama.cpp test vectors (once per JVM). */
final class TestVocabularies {

    static final List<String> NAMES = List.of("llama-spm", "gpt-2", "starcoder");
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private TestVocabularies() {
    }

    static Path resource(String name) {
        try {
            var url = TestVocabularies.class.getResource("/" + name);
            if (url == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path vocabFile(String name) {
        return resource("vocab/ggml-vocab-" + name + ".gguf");
    }

    static GgufMetadata metadata(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return file.metadata();
        }
    }

    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> Tokenizer.fromGguf(metadata(vocabFile(n))));
    }

    static Tokenizer shakespeare() {
        return LOADED.computeIfAbsent("shakespeare",
                n -> Tokenizer.fromGguf(metadata(Path.of("..", "models", "shakespeare.gguf"))));
    }

    /** The test strings of a .inp file. */
    static List<String> inputs(String name) {
        String all = read(resource("vocab/ggml-vocab-" + name + ".gguf.inp"));
        List<String> cases = new ArrayList<>(Arrays.asList(all.split("\n__ggml_vocab_test__\n", -1)));
        cases.remove(cases.size() - 1); // the file ends with the separator
        return cases;
    }

    /** The expected ids of a .out file, one array per test string. */
    static List<int[]> outputs(String name) {
        String all = read(resource("vocab/ggml-vocab-" + name + ".gguf.out"));
        List<int[]> out = new ArrayList<>();
        for (String line : all.split("\n", -1)) {
            out.add(line.isBlank() ? new int[0]
                    : Arrays.stream(line.trim().split(" +")).mapToInt(Integer::parseInt).toArray());
        }
        out.remove(out.size() - 1); // after the last newline
        return out;
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
