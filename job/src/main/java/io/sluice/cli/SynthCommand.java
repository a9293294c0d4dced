package io.sluice.cli;

import io.sluice.gguf.GgmlType;
import io.sluice.tools.LlamaFileType;
import io.sluice.tools.ModelSynthesizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice synth}: writes a Llama-shaped GGUF model with random weights (for benchmarks and tests). */
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

    @Option(names = "--type", defaultValue = "F32", description = "F32, F16, Q8_0 or Q4_0 (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab-from", paramLabel = "GGUF", description = "Copy the tokenizer of this GGUF file.")
    Path vocabFrom;

    @Option(names = "--name", description = "general.name (default: synthetic-llama-DIMxLAYERS).")
    String name;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "Output GGUF file.")
    Path out;

    private static String size(long bytes) {
        if (bytes >= 1e12) {
            return String.format("%.1f TB", bytes / 1e12);
        }
        return bytes >= 1e9 ? String.format("%.1f GB", bytes / 1e9) : String.format("%.1f MB", bytes / 1e6);
    }

    @Override
    public Integer call() throws Exception {
        ModelSynthesizer synthesizer;
        try {
            GgmlType ggmlType = LlamaFileType.parse(type);
            if (vocabFrom != null) {
                CliFiles.requireFile(vocabFrom, "GGUF file");
            }
            ModelSynthesizer.Builder b = ModelSynthesizer.builder().dim(dim).layers(layers).heads(heads)
                    .ffn(ffn).context(context).type(ggmlType).seed(seed).vocabFrom(vocabFrom).name(name);
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
        if (out.toString().isEmpty()) {
            throw new UserError("--out needs a file name");
        }
        if (Files.exists(out) && !Files.isDirectory(out) && !Files.isRegularFile(out)) {
            throw new UserError("--out " + out + " is not a regular file (a device or a pipe): name a file");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null) {
            throw new UserError("--out " + out + " names no file");
        }
        if (!Files.isDirectory(parent)) {
            throw new UserError("no such directory: " + parent);
        }
        if (Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a directory");
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
                synthesizer.tensorCount(), type.toUpperCase(java.util.Locale.ROOT), synthesizer.vocab(),
                Files.size(out) / 1e6);
        return 0;
    }
}
