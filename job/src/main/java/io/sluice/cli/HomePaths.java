package io.sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the project's own files (models/, conf/) for commands run from anywhere: a relative path that
 * does not exist in the working directory is looked up under the Sluice home the launcher passes
 * ({@code -Dsluice.home}).
 */
final class HomePaths {
    private HomePaths() {
    }

    static Path resolve(Path path) {
        if (path == null || path.isAbsolute() || Files.exists(path)) {
            return path;
        }
        String home = System.getProperty("sluice.home");
        if (home != null) {
            Path inHome = Path.of(home).resolve(path);
            if (Files.exists(inHome)) {
                return inHome;
            }
        }
        return path;
    }

    static Path requireFile(Path path, String what) {
        Path resolved = resolve(path);
        if (Files.isDirectory(resolved)) {
            throw new UserError(path + " is a directory, not a " + what);
        }
        if (!Files.isRegularFile(resolved)) {
            throw new UserError("no such " + what + ": " + path);
        }
        return resolved;
    }
}
