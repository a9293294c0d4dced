package io.sluice.cli;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tools.ModelSynthesizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice synth [OUT] --dim ... [--out OUT]}: writes a Llama-shaped GGUF model with random weights (for
 * benchmarks and tests), its weight matrices in any type {@code sluice quantize} writes, chosen per tensor as
 * quantize chooses them.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a Llama-shaped GGUF model with random weights.")
final class SynthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dim", required = true, description = "Embedding size.")
    int dim;

    @Option(names = "--layers", required = true, description = "Number of transformer blocks.")
    int layers;

    @Option(names = "--heads", required = true, description = "Query heads.")
    int heads;

    @Option(names = "--kv-heads", description = "Key/value heads (default: --heads).")
    Integer kvHeads;

    @Option(names = "--ffn", required = true, description = "Feed-forward hidden size.")
    int ffn;

    @Option(names = "--vocab", description = "Vocabulary size (default: that of --vocab-from, else 512).")
    Integer vocab;

    @Option(names = "--context", defaultValue = "2048", description = "Context length (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--type", defaultValue = "F32", description = "The weight matrices' type, as quantize writes it:"
            + " Q4_K_M, Q5_K_M (llama.cpp's mixes: output, some attn_v and ffn_down in Q6_K), Q4_K, Q5_K, Q6_K, Q8_0,"
            + " Q4_0, F16 or F32 (default: ${DEFAULT-VALUE}). K-quants need dim and ffn to be multiples of 256.")
    String type;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab-from", paramLabel = "GGUF", description = "Copy the tokenizer of this GGUF file.")
    Path vocabFrom;

    @Option(names = "--name", description = "general.name (default: synthetic-llama-DIMxLAYERS).")
    String name;

    @Parameters(index = "0", arity = "0..1", paramLabel = "OUT", description = "Output GGUF file (or --out).")
    Path positionalOut;

    @Option(names = "--out", paramLabel = "PATH", description = "Output GGUF file (or OUT).")
    Path optionOut;

    private Path out;

    private static String size(long bytes) {
        if (bytes >= 1e12) {
            return String.format("%.1f TB", bytes / 1e12);
        }
        return bytes >= 1e9 ? String.format("%.1f GB", bytes / 1e9) : String.format("%.1f MB", bytes / 1e6);
    }

    @Override
    public Integer call() throws Exception {
        out = outputFile();
        ModelSynthesizer synthesizer;
        QuantType quantType;
        try {
            quantType = QuantType.parse(type);
            if (vocabFrom != null) {
                CliFiles.requireFile(vocabFrom, "GGUF file");
            }
            ModelSynthesizer.Builder b = ModelSynthesizer.builder().dim(dim).layers(layers).heads(heads)
                    .ffn(ffn).context(context).type(quantType).seed(seed).vocabFrom(vocabFrom).name(name);
            if (kvHeads != null) {
                b.kvHeads(kvHeads);
            }
            if (vocab != null) {
                b.vocab(vocab);
            }
            synthesizer = b.build();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        String label = optionOut != null ? "--out" : "OUT";
        if (out.toString().isEmpty()) {
            throw new UserError(label + " needs a file name");
        }
        if (Files.exists(out) && !Files.isDirectory(out) && !Files.isRegularFile(out)) {
            throw new UserError(label + " " + out + " is not a regular file (a device or a pipe): name a file");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null) {
            throw new UserError(label + " " + out + " names no file");
        }
        if (!Files.isDirectory(parent)) {
            throw new UserError("no such directory: " + parent);
        }
        if (Files.isDirectory(out)) {
            throw new UserError(label + " " + out + " is a directory");
        }
        long bytes = synthesizer.estimatedFileBytes();
        long free = Files.getFileStore(parent).getUsableSpace();
        if (bytes > free) {
            throw new UserError(String.format("the model would take %s but only %s are free in %s", size(bytes),
                    size(free), parent));
        }
        spec.commandLine().getErr().printf("synth: writing %s (%s) ...%n", out, size(bytes));
        spec.commandLine().getErr().flush();
        synthesizer.write(out);
        spec.commandLine().getOut().printf("wrote %s: %d tensors, %s, vocabulary %d, %.1f MB%n", out,
                synthesizer.tensorCount(), typesOf(out, quantType), synthesizer.vocab(), Files.size(out) / 1e6);
        return 0;
    }

    /** The output file, given as OUT or as --out (once). */
    private Path outputFile() {
        if (positionalOut != null && optionOut != null && !positionalOut.equals(optionOut)) {
            throw new UserError("two output files: " + positionalOut + " and --out " + optionOut + "; give one");
        }
        Path file = positionalOut != null ? positionalOut : optionOut;
        if (file == null) {
            throw new UserError("the output file is missing: sluice synth OUT.gguf --dim ... (or --out OUT.gguf)");
        }
        return file;
    }

    /** "F32", or for a type whose matrices differ: "Q4_K_M (Q4_K 12, Q6_K 9 matrices)", read from the file. */
    private static String typesOf(Path file, QuantType type) {
        if (!type.isMix()) {
            return type.name();
        }
        try (GgufFile f = GgufFile.open(file)) {
            Map<GgmlType, Integer> matrices = new EnumMap<>(GgmlType.class);
            for (GgufTensorInfo t : f.tensors()) {
                if (t.dims() >= 2) {
                    matrices.merge(t.type(), 1, Integer::sum);
                }
            }
            return type + " (" + QuantizeCommand.byType(matrices) + " matrices)";
        }
    }
}
