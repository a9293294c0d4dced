package io.sluice.cli;

import io.sluice.gguf.GgmlType;
import io.sluice.tools.LlamaFileType;
import io.sluice.tools.ModelQuantizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice quantize IN OUT TYPE}: converts a GGUF model's weight matrices to Q8_0, Q4_0 or F16. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a GGUF model's weight matrices (from F32/F16) to Q8_0, Q4_0, F16 or F32.")
final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Input GGUF file (F32, F16 or BF16 weights).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output GGUF file.")
    Path out;

    @Parameters(index = "2", paramLabel = "TYPE", description = "Q8_0, Q4_0, F16 or F32.")
    String type;

    @Override
    public Integer call() throws Exception {
        GgmlType target;
        try {
            target = LlamaFileType.parse(type);
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
            report = ModelQuantizer.quantize(in, out, target);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        spec.commandLine().getOut().printf("wrote %s: %d matrices in %s, %d kept F32, %d other tensors; "
                        + "%.1f MB -> %.1f MB%n", out, report.quantized(), target, report.keptF32(), report.others(),
                report.inputBytes() / 1e6, report.outputBytes() / 1e6);
        return 0;
    }
}
