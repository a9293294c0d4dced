package io.sluice.cli;

/**
 * The one line to print when a job fails: the innermost cause's message (a broken model, an engine limit),
 * not Flink's "Job execution failed." wrapper.
 */
final class JobFailures {

    private JobFailures() {
    }

    static Throwable rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /** "the job failed: MESSAGE", one line. */
    static String describe(Throwable t) {
        Throwable root = rootCause(t);
        String message = root.getMessage() == null || root.getMessage().isBlank()
                ? root.getClass().getSimpleName() : root.getMessage();
        return "the job failed: " + message.lines().findFirst().orElse(message);
    }

    /** A failure of the job as the command line reports it: one line, exit 1. */
    static RuntimeException of(Throwable t) {
        return new JobFailedException(describe(t), t);
    }

    /** A job that ran and failed. */
    static final class JobFailedException extends RuntimeException {
        JobFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
