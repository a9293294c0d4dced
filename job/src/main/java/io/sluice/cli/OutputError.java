package io.sluice.cli;

/**
 * Results could not be written (a full disk, a closed pipe): reported as one line, exit status 1, since the
 * input was fine and the same command can succeed once there is room.
 */
final class OutputError extends RuntimeException {
    OutputError(String message) {
        super(message);
    }
}
