package io.sluice.cli;

import picocli.CommandLine;

/**
 * {@code gpu-check} on its own, for the GPU bundle (tools/gpu-bundle.sh): the full {@link SluiceCli} reflects on
 * every subcommand and so needs every jar of the job (Flink, Kafka, ...); this entry point needs only the engine,
 * JCuda, picocli and Jackson. Errors are reported as by {@link SluiceCli}: one line on stderr, exit 2 for the
 * user's.
 */
public final class GpuCheckMain {

    private GpuCheckMain() {
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        CommandLine cli = new CommandLine(new GpuCheckCommand());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("sluice: " + CliErrors.describe(ex));
            return CliErrors.exitCode(ex);
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("sluice: " + ex.getMessage());
            return 2;
        });
        return cli.execute(args);
    }
}
