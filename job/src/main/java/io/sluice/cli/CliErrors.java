package io.sluice.cli;

import io.sluice.engine.EngineException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one-line messages and exit codes of the command line. */
final class CliErrors {

    private CliErrors() {
    }

    /** One line naming the problem. */
    static String describe(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException && ex.getCause() != null ? ex.getCause() : ex;
        if (t instanceof NoSuchFileException) {
            return "no such file: " + t.getMessage();
        }
        if (t instanceof FileSystemException f && f.getFile() != null) {
            // "Is a directory", "Permission denied" ... always with the path they are about
            return f.getFile() + ": " + (f.getReason() == null ? t.getClass().getSimpleName() : f.getReason());
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            message = t.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message);
    }

    /** 2 for the user's errors (input, files, requests), 1 for Sluice's own failures and output it could not write. */
    static int exitCode(Throwable ex) {
        if (ex instanceof OutputError) {
            return 1;
        }
        if (ex instanceof UserError || ex instanceof IllegalArgumentException || ex instanceof IOException
                || ex instanceof UncheckedIOException) {
            return 2;
        }
        if (ex instanceof EngineException e) {
            return e.code() == EngineException.Code.INTERNAL ? 1 : 2;
        }
        if (ex.getClass().getName().startsWith("io.sluice.gguf.")) {
            return 2; // a broken model file is the user's input
        }
        return 1;
    }
}
