package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files run, demo and pipeline-bench are given: a directory is named as one, not "no such file". */
class HomePathsTest {

    @TempDir
    Path dir;

    @Test
    void aDirectoryIsNamedAsOne() {
        assertEquals(dir + " is a directory, not a model file",
                assertThrows(UserError.class, () -> HomePaths.requireFile(dir, "model file")).getMessage());
        assertEquals("no such model file: " + dir.resolve("x.gguf"),
                assertThrows(UserError.class, () -> HomePaths.requireFile(dir.resolve("x.gguf"), "model file"))
                        .getMessage());
    }
}
