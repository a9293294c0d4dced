package io.sluice.cli;

import io.sluice.tensor.Parallel;
import io.sluice.tensor.cpu.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code sluice} command line. Each subcommand is its own class; add new ones to {@code subcommands}.
 * User errors (bad flags, missing or broken files, invalid requests) print one line on stderr and exit with
 * status 2; {@code --verbose} adds the stack trace.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "LLM inference as an Apache Flink job, and its engine's tools.",
        subcommands = {
                CommandLine.HelpCommand.class,
                SynthCommand.class,
                QuantizeCommand.class,
                GenerateCommand.class,
                BenchCommand.class,
                BatchCommand.class,
                RunCommand.class,
                DemoCommand.class,
                PipelineBenchCommand.class,
                TokenizeCommand.class,
                ProduceCommand.class,
                ConsumeCommand.class,
                SqlCommand.class,
                DevicesCommand.class,
                GpuCheckCommand.class,
        })
public final class SluiceCli implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors and debug logs.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    /** The commands that run the model on this machine's CPU. */
    private static final java.util.Set<String> ENGINE_COMMANDS = java.util.Set.of("generate", "batch", "bench");

    /** Which kernels the engine runs, for --verbose. */
    static String describeKernels() {
        String backend = Backends.active().name();
        String how = "scalar".equals(backend)
                ? (Backends.vectorModulePresent() ? "plain Java" : "plain Java: module jdk.incubator.vector is absent")
                : "SIMD through the Java Vector API";
        return "CPU kernels: " + backend + " (" + how + "), " + Parallel.threads() + " threads";
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (tests call this instead of main). */
    public static int execute(String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        CommandLine cli = new CommandLine(new SluiceCli());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("sluice: " + CliErrors.describe(ex));
            if (verbose) {
                ex.printStackTrace(commandLine.getErr());
            }
            return CliErrors.exitCode(ex);
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("sluice: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help' for more information.");
            return 2;
        });
        if (verbose) {
            cli.setExecutionStrategy(parseResult -> {
                if (parseResult.subcommand() != null
                        && ENGINE_COMMANDS.contains(parseResult.subcommand().commandSpec().name())) {
                    cli.getErr().println("sluice: " + describeKernels());
                    cli.getErr().flush();
                }
                return new CommandLine.RunLast().execute(parseResult);
            });
        }
        int code = cli.execute(args);
        // System.out swallows write errors (a full disk, a closed pipe): ask it, so that lost output never exits 0
        if (System.out.checkError() && code == 0) {
            cli.getErr().println("sluice: could not write to standard output (a full disk or a closed pipe)");
            cli.getErr().flush();
            return 1;
        }
        return code;
    }
}
