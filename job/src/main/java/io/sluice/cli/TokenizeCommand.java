package io.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.gguf.GgufFile;
import io.sluice.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice tokenize}: the token ids of text under a model's tokenizer, as a JSON array, or for a file of
 * test strings in llama.cpp's {@code .inp} format one line per string exactly as its {@code .out} files.
 */
@Command(name = "tokenize", description = "Print the token ids of text under a model's tokenizer.",
        mixinStandardHelpOptions = true)
public final class TokenizeCommand implements Callable<Integer> {

    /** llama.cpp's separator of test strings: each string is followed by it, the last one too. */
    static final String CASE_SEPARATOR = "\n__ggml_vocab_test__\n";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "GGUF file with the tokenizer (a model or a vocabulary).")
    Path model;

    static final class Input {
        @Option(names = "--text", description = "Text to tokenize; prints a JSON array of ids.")
        String text;

        @Option(names = "--cases", description = "A file of test strings in llama.cpp's .inp format; prints one "
                + "line per string, each id preceded by a space, as in llama.cpp's .out files.")
        Path cases;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--bos", description = "Add BOS (and EOS) as the model's metadata says; none by default.")
    boolean bos;

    @Override
    public Integer call() throws Exception {
        CliFiles.requireFile(model, "GGUF file");
        if (input.cases != null) {
            CliFiles.requireReadable(input.cases, "--cases");
        }
        Tokenizer tokenizer;
        try (GgufFile file = GgufFile.open(model)) {
            tokenizer = Tokenizer.fromGguf(file.metadata());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (input.text != null) {
            out.print(new ObjectMapper().writeValueAsString(tokenizer.encode(input.text, bos)) + "\n");
        } else {
            String all = Utf8Text.read(input.cases);
            if (!all.isEmpty() && !all.endsWith(CASE_SEPARATOR)) {
                throw new UserError(input.cases + " is not in llama.cpp's test format: every string, the last "
                        + "one too, must be followed by a line __ggml_vocab_test__");
            }
            StringBuilder lines = new StringBuilder();
            int start = 0;
            while (start < all.length()) {
                int end = all.indexOf(CASE_SEPARATOR, start);
                for (int id : tokenizer.encode(all.substring(start, end), bos)) {
                    lines.append(' ').append(id);
                }
                lines.append('\n');
                start = end + CASE_SEPARATOR.length();
            }
            out.print(lines);
        }
        out.flush();
        return 0;
    }
}
