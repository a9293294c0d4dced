package io.sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of the files a command is given, each failing with one line that names the path. */
final class CliFiles {

    private CliFiles() {
    }

    /** A regular file to read (a model, a vocabulary): not missing, not a directory, readable. */
    static Path requireFile(Path path, String what) {
        if (Files.isDirectory(path)) {
            throw new UserError(path + " is a directory, not a " + what);
        }
        if (!Files.exists(path)) {
            throw new UserError("no such file: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new UserError(path + " is not a regular file (a " + what + " must be one)");
        }
        if (!Files.isReadable(path)) {
            throw new UserError("cannot read " + path + ": permission denied");
        }
        return path;
    }

    /** Something to read once as a stream: a regular file, or a pipe such as /dev/stdin. */
    static Path requireReadable(Path path, String option) {
        if (Files.isDirectory(path)) {
            throw new UserError(option + " " + path + " is a directory");
        }
        if (!Files.exists(path)) {
            throw new UserError("no such file: " + path);
        }
        if (!Files.isReadable(path)) {
            throw new UserError("cannot read " + path + ": permission denied");
        }
        return path;
    }
}
