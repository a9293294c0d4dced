package io.sluice.tokenizer;

import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufMetadata;
import io.sluice.gguf.GgufValueType;
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

    /** A test vocabulary with some metadata replaced (e.g. GPT-2's merges under another pre-tokenizer). */
    static GgufMetadata withMetadata(String name, Map<String, Object> replaced) {
        GgufMetadata md = metadata(vocabFile(name));
        Map<String, Object> values = new java.util.LinkedHashMap<>();
        Map<String, GgufValueType> types = new java.util.LinkedHashMap<>();
        for (String key : md.keys()) {
            values.put(key, md.get(key));
            types.put(key, md.typeOf(key));
        }
        replaced.forEach((key, value) -> {
            if (value == null) {
                values.remove(key);
                types.remove(key);
                return;
            }
            values.put(key, value);
            types.put(key, value instanceof String ? GgufValueType.STRING
                    : value instanceof Boolean ? GgufValueType.BOOL
                    : value instanceof io.sluice.gguf.GgufArray ? GgufValueType.ARRAY : GgufValueType.INT32);
        });
        return new GgufMetadata(name + " (modified)", values, types);
    }

    /** "gpt-2+qwen2": GPT-2's vocabulary under Qwen2's pre-tokenizer; plain names as {@link #tokenizer}. */
    static Tokenizer configuration(String config) {
        int plus = config.indexOf('+');
        if (plus < 0) {
            return tokenizer(config);
        }
        return LOADED.computeIfAbsent(config, c -> Tokenizer.fromGguf(withMetadata(c.substring(0, plus),
                Map.of("tokenizer.ggml.pre", c.substring(plus + 1)))));
    }

    static Tokenizer shakespeare() {
        return LOADED.computeIfAbsent("shakespeare",
                n -> Tokenizer.fromGguf(metadata(Path.of("..", "models", "shakespeare.gguf"))));
    }

    /** The test strings of a .inp file. */
    static List<String> inputs(String name) {
        return parseInputs(read(resource("vocab/ggml-vocab-" + name + ".gguf.inp")));
    }

    /** The hand-made hard cases (tokenizer/handmade.inp). */
    static List<String> handmadeInputs() {
        return parseInputs(read(resource("tokenizer/handmade.inp")));
    }

    static List<int[]> handmadeOutputs(String config) {
        return parseOutputs(read(resource("tokenizer/handmade-" + config + ".out")));
    }

    static List<String> parseInputs(String all) {
        List<String> cases = new ArrayList<>(Arrays.asList(all.split("\n__ggml_vocab_test__\n", -1)));
        cases.remove(cases.size() - 1); // the file ends with the separator
        return cases;
    }

    /** The expected ids of a .out file, one array per test string. */
    static List<int[]> outputs(String name) {
        return parseOutputs(read(resource("vocab/ggml-vocab-" + name + ".gguf.out")));
    }

    static List<int[]> parseOutputs(String all) {
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
