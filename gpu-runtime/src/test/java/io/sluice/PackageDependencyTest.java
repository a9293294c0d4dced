package io.sluice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine sits on top: gguf, tensor, kv, model, tokenizer, sampling and spec never import it (chat messages
 * live with the tokenizer, sampling parameters and token log-probabilities with sampling), so each can be used
 * and tested without the scheduler.
 */
class PackageDependencyTest {

    @Test
    void nothingBelowTheEngineImportsIt() throws IOException {
        Path root = Path.of("src/main/java/io/sluice");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(root)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !root.relativize(p).startsWith("engine"))
                    .filter(PackageDependencyTest::importsTheEngine)
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .collect(Collectors.toList());
        }
        assertEquals(List.of(), offenders);
    }

    private static boolean importsTheEngine(Path file) {
        try {
            return Files.readAllLines(file).stream()
                    .anyMatch(l -> l.startsWith("import io.sluice.engine.") || l.startsWith("import static io.sluice.engine."));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
