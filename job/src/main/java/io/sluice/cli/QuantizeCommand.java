package io.sluice.cli;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tools.ModelQuantizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice quantize IN OUT TYPE}: converts a GGUF model's weight matrices to one type (Q8_0, Q4_0,
 * Q4_K, Q5_K, Q6_K, F16, F32) or to llama.cpp's Q4_K_M / Q5_K_M mixes.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a GGUF model's weight matrices (from F32/F16/BF16) to one type or a llama.cpp mix.")
final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Input GGUF file (F32, F16 or BF16 weights; "
            + "quantized ones with --allow-requantize).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output GGUF file.")
    Path out;

    @Parameters(index = "2", paramLabel = "TYPE", description = "Q4_K_M, Q5_K_M (llama.cpp's mixes: output, some "
            + "attn_v and ffn_down in Q6_K), Q4_K, Q5_K, Q6_K, Q8_0, Q4_0 (every matrix in that type), F16 or F32.")
    String type;

    @Option(names = "--allow-requantize", description = "Also read weights that are already quantized (any "
            + "type the engine reads); quantizing twice loses precision twice.")
    boolean allowRequantize;

    @Override
    public Integer call() throws Exception {
        QuantType target;
        try {
            target = QuantType.parse(type);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (!Files.isRegularFile(in)) {
            throw new UserError("no such file: " + in);
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UserError("no such directory: " + parent);
        }
        ModelQuantizer.Report report;
        try {
            report = ModelQuantizer.quantize(in, out, target, allowRequantize);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        spec.commandLine().getOut().printf("wrote %s (%s): %d matrices (%s), %d kept F32, %d other tensors; "
                        + "%.1f MB -> %.1f MB%n", out, target, report.matrices().values().stream()
                        .mapToInt(Integer::intValue).sum(), byType(report.matrices()), report.keptF32(),
                report.others(), report.inputBytes() / 1e6, report.outputBytes() / 1e6);
        return 0;
    }

    /** "Q4_K 49, Q6_K 9", largest count first (synth says its mixes so too). */
    static String byType(Map<GgmlType, Integer> matrices) {
        return matrices.entrySet().stream()
                .sorted(Map.Entry.<GgmlType, Integer>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
