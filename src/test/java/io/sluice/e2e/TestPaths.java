package io.sluice.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository the tests use (the bundled model, conf/), found from the working directory up. */
final class TestPaths {
    private TestPaths() {
    }

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("models/shakespeare.gguf"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root (models/shakespeare.gguf) above "
                + Path.of("").toAbsolutePath());
    }

    static Path shakespeare() {
        return root().resolve("models/shakespeare.gguf");
    }
}
