package io.sluice.cli;

import io.sluice.tensor.cpu.CpuInfo;
import io.sluice.tensor.cpu.Int8Kernel;
import io.sluice.tensor.cuda.CudaStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code sluice devices}: the compute devices this machine offers the engine and how each would run, one
 * section per backend (the CPU today; a GPU backend adds its own section to {@link #sections}).
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Show the compute devices and the kernel path the engine uses on each.")
final class DevicesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (Consumer<PrintWriter> section : sections()) {
            section.accept(out);
        }
        out.flush();
        return 0;
    }

    /** One printer per backend, in order. */
    private List<Consumer<PrintWriter>> sections() {
        return List.of(DevicesCommand::cpu, DevicesCommand::cuda);
    }

    /** Each CUDA device (name, memory, compute capability) and the kernels, or why CUDA is not usable. */
    static void cuda(PrintWriter out) {
        CudaStatus.current().describe().forEach(out::println);
    }

    static void cpu(PrintWriter out) {
        CpuInfo cpu = CpuInfo.detect();
        out.printf("cpu: %s, %d threads%n", cpu.model(), cpu.threads());
        out.printf("  features: %s%n", cpu.features().isEmpty() ? "(none detected)" : String.join(" ", cpu.features()));
        out.printf("  quantized weights (%s): %s, 8-bit activations%n",
                Int8Kernel.TYPES.stream().map(Enum::name).collect(Collectors.joining(", ")), cpu.quantizedKernels());
        out.printf("  other weights: %s, float activations%n", cpu.floatKernels());
        if (cpu.nativeUnavailable() != null) {
            out.printf("  native kernels not in use: %s%n", cpu.nativeUnavailable());
        }
    }
}
